//! The emitted script evaluated by a real JavaScript engine (Node.js).
//!
//! `.ci/run` installs Node.js when it is missing; without it these tests fail
//! rather than pass silently.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::process::{Command, Stdio};

use partner_cheetah::MemberState;
use serde_json::Value;

/// Runs each script in a fresh V8 context and prints `stellar_member_state`
/// as JSON, one line per script. Scripts arrive as a JSON array on stdin.
const RUNNER: &str = r#"
const vm = require('vm');
let input = '';
process.stdin.on('data', d => input += d);
process.stdin.on('end', () => {
  for (const script of JSON.parse(input)) {
    const ctx = {};
    vm.runInNewContext(script, ctx);
    // A script element would also end at "</script": make sure none is there.
    if (/<\/script/i.test(script) || /<!--/.test(script)) throw new Error('breakout in ' + script);
    process.stdout.write(JSON.stringify(ctx.stellar_member_state) + '\n');
  }
});
"#;

fn run_in_node(scripts: &[String]) -> Vec<Value> {
    let mut child = Command::new("node")
        .arg("-e")
        .arg(RUNNER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node is installed (cargo xtask test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(scripts).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const HOSTILE: &[&str] = &[
    "</script><script>alert(1)</script>",
    "</SCRIPT >",
    "<!-- <script>",
    "\"; alert(1); var x = \"",
    "'; alert(1); //",
    "back\\slash\\",
    "line\u{2028}sep\u{2029}para",
    "😀 emoji 👩‍👩‍👧",
    "\u{0}\u{1f}\t\r\n",
    "]]>",
    "&amp; &lt;",
    "`${alert(1)}`",
];

#[test]
#[ignore = "needs Node.js: run cargo xtask test"]
fn node_reads_back_exactly_what_was_emitted() {
    let states: Vec<MemberState> = HOSTILE
        .iter()
        .map(|name| MemberState::signed_in("tok", "ref", *name, format!("{name} {name}")))
        .chain([
            MemberState::failed("sso_rejected"),
            MemberState::signed_in("a", "b", "S", "S").with_params_hash("</script>"),
        ])
        .collect();
    let scripts: Vec<String> = states.iter().map(MemberState::to_script).collect();
    let seen = run_in_node(&scripts);
    assert_eq!(seen.len(), states.len());
    for (state, value) in states.iter().zip(seen) {
        assert_eq!(value, serde_json::to_value(state).unwrap(), "{state:?}");
    }
}

#[test]
#[ignore = "needs Node.js: run cargo xtask test"]
fn script_element_body_is_the_script() {
    let state = MemberState::signed_in("tok", "ref", HOSTILE[0], HOSTILE[2]);
    let element = state.to_script_element(Some("abc123")).unwrap();
    let body = element
        .strip_prefix("<script nonce=\"abc123\">")
        .unwrap()
        .strip_suffix("</script>")
        .unwrap();
    assert!(!body.contains('<'));
    let seen = run_in_node(&[body.to_owned()]);
    assert_eq!(seen[0]["short_name"], HOSTILE[0]);
    assert_eq!(seen[0]["full_name"], HOSTILE[2]);
}
