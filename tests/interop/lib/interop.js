// Shared helpers of the Node.js interop scripts (not a script itself: the
// runner only runs the files directly in tests/interop/).
//
// - checks: `ok   <what>` / `FAIL <what>: <detail>` on stdout, one line per
//   check; finish() exits 1 if any failed, 0 otherwise.
// - startMock(provider): starts `$PARTNER mock <provider>` on 127.0.0.1,
//   resolves to its one JSON line, stops it at exit.
// - partner(args, env): runs `$PARTNER ...`; secrets go in `env` (named by
//   `--*-env NAME`) or in files (writeFile), never in args.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const WATCHDOG_MS = 240 * 1000;
const PARTNER = process.env.PARTNER || '';
let accessible = false;
try { fs.accessSync(PARTNER, fs.constants.X_OK); accessible = true; } catch (_) { /* below */ }
if (!PARTNER || !accessible) {
  console.log(`FAIL setup: set PARTNER to the path of the partner binary (got ${JSON.stringify(PARTNER)})`);
  process.exit(1);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'partner-interop-'));
const children = [];
function cleanup() {
  for (const { child } of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try { child.kill('SIGTERM'); } catch (_) { /* gone */ }
    }
  }
  try { fs.rmSync(tmp, { recursive: true, force: true }); } catch (_) { /* best effort */ }
}
process.on('exit', cleanup);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(1));
setTimeout(() => {
  console.log(`FAIL watchdog: the script ran longer than ${WATCHDOG_MS / 1000} s`);
  process.exit(1);
}, WATCHDOG_MS).unref();

let passed = 0;
let failed = 0;
function check(cond, what, detail) {
  if (cond) { passed += 1; console.log('ok   ' + what); } else { failed += 1; console.log(`FAIL ${what}: ${detail || 'assertion failed'}`); }
  return !!cond;
}
const show = (v) => { try { return JSON.stringify(v); } catch (_) { return String(v); } };
function equal(actual, expected, what) {
  return check(show(actual) === show(expected), what, `expected ${show(expected)}, got ${show(actual)}`);
}
// Runs fn (sync or async); it returns a boolean or [cond, detail]; a throw is a FAIL.
async function step(what, fn) {
  try {
    const out = await fn();
    return Array.isArray(out) ? check(out[0], what, out[1]) : check(out, what);
  } catch (e) {
    console.error(e);
    return check(false, what, `threw ${e && e.stack ? e.message : show(e)}`);
  }
}
// Expects fn to reject/throw; pred(error) must hold.
async function rejects(fn, what, pred) {
  let value;
  try { value = await fn(); } catch (e) { return check(pred(e), what, `rejected with ${show(e)}`); }
  return check(false, what, `expected a refusal, got ${show(value)}`);
}
function finish() {
  console.error(`${passed} passed, ${failed} failed`);
  if (failed) {
    for (const { args, log } of children) {
      try {
        const lines = fs.readFileSync(log, 'utf8').split('\n').slice(-20).join('\n');
        console.error(`--- last lines of the mock's log (${args.join(' ')}):\n${lines}`);
      } catch (_) { /* no log */ }
    }
  }
  process.exitCode = failed ? 1 : 0;
  cleanup();
  process.exit(process.exitCode);
}

function startMock(provider) {
  const log = path.join(tmp, `mock-${provider}.log`);
  const fd = fs.openSync(log, 'w');
  const args = ['mock', provider];
  const child = spawn(PARTNER, args, { stdio: ['ignore', 'pipe', fd] });
  fs.closeSync(fd);
  children.push({ child, args, log });
  return new Promise((resolve) => {
    let buf = '';
    const fail = (why) => { console.log(`FAIL start partner mock ${provider}: ${why}`); process.exit(1); };
    const timer = setTimeout(() => fail('no JSON line within 20 s'), 20000);
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      let line;
      try { line = JSON.parse(buf.slice(0, nl)); } catch (e) { return fail(`not JSON: ${buf.slice(0, nl)}`); }
      if (!String(line.base_url).startsWith('http://127.0.0.1:')) return fail(`base_url not on 127.0.0.1: ${line.base_url}`);
      return resolve(line);
    });
    child.on('exit', (code) => { if (!buf.includes('\n')) fail(`exited ${code} before its JSON line`); });
  });
}

function writeFile(name, data) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, data, { mode: 0o600 });
  return p;
}

// Runs `$PARTNER args...` with extra environment variables (the secrets).
function partner(args, env) {
  const r = spawnSync(PARTNER, args, { env: { ...process.env, ...(env || {}) }, encoding: 'utf8', timeout: 30000 });
  return { code: r.status, stdout: r.stdout || '', stderr: (r.stderr || '').trim() };
}
function partnerJson(args, env) {
  const r = partner([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`partner ${args.slice(0, 2).join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

module.exports = { check, equal, step, rejects, finish, startMock, writeFile, partner, partnerJson, show, PARTNER };
