"""Cheetah's `stellar_member_state` page element in headless Chromium, with
hostile member names.

- `partner cheetah member-state --element [--nonce N]` emits the element
  for each hostile state (`</script>`, `<!--<script>`, `</SCRIPT >`, U+2028
  and U+2029, quotes and backslashes, `${}` and backticks, emoji,
  `<img src=x onerror=...>`, NUL and other control characters, HTML
  entities, names of hundreds of kilobytes, every field hostile at once);
- each element is put in a page served by a local http.server
  (127.0.0.1), once without CSP and once with
  `Content-Security-Policy: script-src 'nonce-N'`; the page carries the
  expected values separately (base64 of their JSON, in an attribute) and its
  own checker script compares them with `stellar_member_state` on `load`
  and writes a JSON verdict into the DOM;
- every injected payload would set `window.__pwned` or append an element,
  and a break-out of the element would leave elements or text behind: the
  checker and the enclosing page assert that none of it happened;
- controls: a hand-made unescaped element is caught by the same detector,
  and under the CSP an element with a wrong nonce (or none) does not run
  while the one with the right nonce does, so the CSP is in force.

All pages are iframes of one top page loaded with a single
`chromium --headless=new --dump-dom` (falls back to `--headless`); the top
page copies each frame's verdict into its own DOM (base64 of a JSON).

Contract (README.md): env PARTNER; no arguments; one line per check on
stdout; exit 1 if any check failed. Needs Chromium (Debian `chromium`):
without it, `FAIL chromium: not installed`.
"""

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import interop  # noqa: E402

c = interop.Checks()
STARTED = time.monotonic()
CHROMIUM_TIMEOUT = 25


def b64(data):
    return base64.b64encode(data.encode("utf-8") if isinstance(data, str) else data).decode("ascii")


def short(value, limit=160):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...(%d chars)" % len(text)


# --- Chromium -----------------------------------------------------------------

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
if not CHROMIUM:
    print("chromium, chromium-browser and google-chrome are not on PATH (Debian: apt-get install chromium)",
          file=sys.stderr)
    c.check(False, "chromium", "not installed")
    c.finish()


def chromium_version():
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=15)
        return out.stdout.strip() or out.stderr.strip()[-200:]
    except (OSError, subprocess.TimeoutExpired) as e:
        return "unknown (%s)" % e


VERSION = chromium_version()
c.check(VERSION.lower().startswith(("chromium", "google chrome")), "chromium: %s (%s)" % (CHROMIUM, VERSION),
        "`%s --version` said %r" % (CHROMIUM, VERSION))


def dump_dom(url):
    """The DOM of `url` after its load event, as Chromium serialises it."""
    profile = tempfile.mkdtemp(prefix="partner-chromium-")
    failures = []
    try:
        for headless in ("--headless=new", "--headless"):
            args = [CHROMIUM, headless, "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-proxy-server", "--mute-audio", "--user-data-dir=" + profile, "--dump-dom", url]
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                out, err = proc.communicate(timeout=CHROMIUM_TIMEOUT)
            except subprocess.TimeoutExpired:
                out, err = b"", b"timed out after %d s" % CHROMIUM_TIMEOUT
            finally:
                try:  # the browser's helpers, if any outlived it (its own process group)
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                proc.wait()
            dom = out.decode("utf-8", "replace")
            if proc.returncode == 0 and "<html" in dom:
                return headless, dom
            failures.append("%s: exit %s, stderr ...%s" % (headless, proc.returncode,
                                                            err.decode("utf-8", "replace")[-400:].strip()))
        raise RuntimeError("; ".join(failures))
    finally:
        shutil.rmtree(profile, ignore_errors=True)


# --- the pages ----------------------------------------------------------------

# The elements of a frame whose emitted element neither broke out nor
# injected anything (the checker's <pre id="verdict"> is added after it counts).
EXPECTED_TAGS = ["html", "head", "meta", "title", "body", "div", "script", "script"]

CHECKER_JS = r"""(function(){
function utf8(b){var s=atob(b),u=new Uint8Array(s.length);for(var i=0;i<s.length;i++)u[i]=s.charCodeAt(i);
return new TextDecoder('utf-8',{fatal:true}).decode(u);}
var expected=JSON.parse(utf8(document.getElementById('expected').getAttribute('data-expected')));
window.addEventListener('load',function(){
var v={checker:'ran',state_type:typeof window.stellar_member_state,mismatches:[],missing:[],extra:[]};
var st=window.stellar_member_state;
if(v.state_type==='object'&&st!==null){
Object.keys(expected).forEach(function(k){
if(!Object.prototype.hasOwnProperty.call(st,k))v.missing.push(k);
else if(st[k]!==expected[k])v.mismatches.push({field:k,expected:expected[k],got:st[k]});});
Object.keys(st).forEach(function(k){if(!Object.prototype.hasOwnProperty.call(expected,k))v.extra.push(k);});
v.roundtrip=!v.mismatches.length&&!v.missing.length&&!v.extra.length;
}else{v.roundtrip=false;}
v.pwned=window.__pwned===undefined?null:String(window.__pwned);
v.tags=Array.prototype.map.call(document.querySelectorAll('*'),function(e){return e.tagName.toLowerCase();});
var w=document.createTreeWalker(document.body,NodeFilter.SHOW_TEXT),t='',n;
while((n=w.nextNode()))if(n.parentNode.nodeName!=='SCRIPT')t+=n.data;
v.stray_text=t.trim();
var pre=document.createElement('pre');pre.id='verdict';pre.textContent=JSON.stringify(v);
document.body.appendChild(pre);});
})();"""

COLLECTOR_JS = r"""window.addEventListener('load',function(){
var out={top_pwned:window.__pwned===undefined?null:String(window.__pwned),frames:{}};
Array.prototype.forEach.call(document.querySelectorAll('iframe'),function(f){
var r={};
try{var w=f.contentWindow,d=f.contentDocument,el=d.getElementById('verdict');
r.verdict=el?JSON.parse(el.textContent):null;
r.state_type=typeof w.stellar_member_state;
r.state=(r.state_type==='object'&&w.stellar_member_state!==null)?JSON.stringify(w.stellar_member_state):null;
r.pwned=w.__pwned===undefined?null:String(w.__pwned);
r.blink=d.getElementsByTagName('blink').length;
}catch(e){r.error=String(e);}
out.frames[f.getAttribute('data-frame')]=r;});
var u=new TextEncoder().encode(JSON.stringify(out)),s='';
for(var i=0;i<u.length;i+=8192)s+=String.fromCharCode.apply(null,u.subarray(i,i+8192));
var pre=document.createElement('pre');pre.id='results';pre.textContent=btoa(s);document.body.appendChild(pre);});"""


def frame_page(element, expected, nonce):
    """A page with `element` (the emitted text, byte for byte) and the checker;
    `nonce` is the page's own scripts' nonce (None: no nonce attribute)."""
    attr = ' nonce="%s"' % nonce if nonce else ""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>stellar_member_state</title>'
            '</head><body><div id="expected" data-expected="%s"></div>%s'
            '<script%s>%s</script></body></html>'
            % (b64(json.dumps(expected, ensure_ascii=False)), element, attr, CHECKER_JS))


def random_nonce():
    return b64(os.urandom(18))  # base64 with + and /


NONCE = random_nonce()
WRONG_NONCE = random_nonce()
CSP = "script-src 'nonce-%s'; object-src 'none'; base-uri 'none'" % NONCE

PAGES = {}  # path -> (html, csp or None)
FRAMES = []  # frame ids, in order


def add_frame(fid, html, csp):
    PAGES["/frame/" + fid] = (html, csp)
    FRAMES.append(fid)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        page = PAGES.get(self.path.split("?")[0])
        if page is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = page[0].encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        if page[1]:
            self.send_header("Content-Security-Policy", page[1])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


# --- the hostile states -------------------------------------------------------

def pwn(tag):
    return "window.__pwned=(window.__pwned||[]).concat('%s')" % tag


def img(tag):
    return "<img src=x onerror=\"%s;document.body.appendChild(document.createElement('blink'))\">" % pwn(tag)


def state(short_name, full_name, **more):
    s = {"access_token": "0fad7f", "refresh_token": "884efd", "sso_error": "", "short_name": short_name,
         "full_name": full_name}
    s.update(more)
    return s


MIX = ("</script><script>%s</script><!--<script></SCRIPT >\u2028\u2029\"'\\`${x}`\U0001F600%s\u0000&amp;]]>-->"
       % (pwn("long"), img("long")))

CASES = [  # (id, what, state, optional: only tested if the CLI accepts it)
    ("script-close", "`</script>` then a script",
     state("</script><script>%s</script>" % pwn("script-close"), "Susan</script>" + img("script-close")), False),
    ("comment-open", "`<!--<script>`",
     state("<!--<script></script><script>%s</script>-->" % pwn("comment-open"), "Susan <!--<script>"), False),
    ("upper-script", "`</SCRIPT >` and variants",
     state("</SCRIPT ><script>%s</script>" % pwn("upper"),
           "</ScRiPt\t/>%s</script\n><script >%s</script >" % (img("upper"), pwn("upper2"))), False),
    ("line-separators", "U+2028 and U+2029",
     state("\u2028", "a\u2028b\u2029c\u2028\"};%s;//\u2029" % pwn("ls")), False),
    ("quotes-backslashes", "quotes and backslashes",
     state("O'Brien \"Q\" \\", "\\ \\\\ \\\" \\u0041 \\x3c/script> \"};%s;// ' \n\r\t\\n" % pwn("quote")), False),
    ("template", "`${}` and backticks",
     state("`${%s}`" % pwn("tpl"), "${1+1} `back`tick` ${`nested`} #{x} {{7*7}} \\${x}"), False),
    ("emoji", "emoji and other non-ASCII",
     state("Zo\u00eb \U0001F600",
           "\U0001F469\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466 \U0001F3F3\ufe0f\u200d\U0001F308 "
           "\U0001D49C\U0001D4C1 e\u0301 \u202eRTL\u202c \ufeffBOM \U0010FFFD \u00a0\u0085"), False),
    ("img-onerror", "`<img src=x onerror=...>`",
     state(img("img"), "<svg onload=\"%s\"><iframe srcdoc=\"<script>parent.%s</script>\"></iframe>"
           % (pwn("svg"), pwn("srcdoc"))), False),
    ("null-ish", "U+0000 and other control characters",
     state("\u0000", "a\u0000b\u0001\u001f\u007f\u0000</script>%s" % img("nul")), True),
    ("entities", "HTML entities, CDATA, `<\\/script>`",
     state("&lt;/script&gt;", "&amp; &#60;/script&#62; &#x3C;!-- &quot; ]]> --> <![CDATA[x]]> </style> <\\/script>"),
     False),
    ("long", "very long names (64 KiB and ~%d KiB)" % (len(MIX * 2400) // 1024),
     state("A" * 65536, MIX * 2400), False),
    ("every-field", "every field hostile, with sso_error and stl_params_hash",
     {"access_token": "</script>" + img("at"), "refresh_token": "<!--<script>\u2028",
      "sso_error": "`${%s}`'\"\\" % pwn("err"), "short_name": "</SCRIPT >\u2029",
      "full_name": "\U0001F600\u0000" + img("fn"), "stl_params_hash": "h<>&'\"#/?%%=\u2028"}, False),
]


def emit(st, *flags):
    return interop.partner("cheetah", "member-state", *flags, stdin=json.dumps(st, ensure_ascii=False))


def element_body(element, nonce):
    """The script text if `element` is `<script[ nonce=..]>...</script>`, else None."""
    start = '<script nonce="%s">' % nonce if nonce else "<script>"
    if element.startswith(start) and element.endswith("</script>"):
        return element[len(start):-len("</script>")]
    return None


def static_check(cid, st, element, nonce):
    """The emitted text itself: one element, nothing raw that HTML or JS treats specially."""
    body = element_body(element, nonce)
    if body is None:
        return False, "not a <script%s> element: %s" % (' nonce="..."' if nonce else "", short(element))
    raw = [ch for ch in ("<", ">", "&", "'", "\u2028", "\u2029") if ch in body]
    if raw:
        return False, "raw %r in the script text: %s" % (raw, short(body))
    prefix = "var stellar_member_state = "
    if not (body.startswith(prefix) and body.endswith(";")):
        return False, "script text is not `%s<json>;`: %s" % (prefix, short(body))
    parsed = json.loads(body[len(prefix):-1])
    if parsed != st:
        return False, "its JSON %s differs from the input %s" % (short(parsed), short(st))
    return True, ""


# --- build the pages ----------------------------------------------------------

TESTED = []  # (cid, what, state)
for cid, what, st, optional in CASES:
    plain, csp = emit(st, "--element"), emit(st, "--element", "--nonce", NONCE)
    if optional and plain.returncode != 0:
        c.check(True, "%s (%s): refused by partner cheetah member-state (exit %d), not loaded"
                % (cid, what, plain.returncode))
        print("note: %s refused: %s" % (cid, plain.stderr.strip()), file=sys.stderr)
        continue
    if plain.returncode != 0 or csp.returncode != 0:
        c.check(False, "%s (%s): partner cheetah member-state --element" % (cid, what),
                "exit %d / %d: %s" % (plain.returncode, csp.returncode, (plain.stderr or csp.stderr).strip()))
        continue
    el_plain, el_csp = plain.stdout.rstrip("\n"), csp.stdout.rstrip("\n")
    ok1, d1 = static_check(cid, st, el_plain, None)
    ok2, d2 = static_check(cid, st, el_csp, NONCE)
    c.check(ok1 and ok2, "%s (%s): emitted element is one <script>, no raw < > & ' U+2028 U+2029, JSON = input"
            % (cid, what), d1 or d2)
    add_frame(cid + ".plain", frame_page(el_plain, st, None), None)
    add_frame(cid + ".csp", frame_page(el_csp, st, NONCE), CSP)
    TESTED.append((cid, what, st))

# Controls.
SUSAN = state("Susan", "Susan Sample")
out_wrong = emit(SUSAN, "--element", "--nonce", WRONG_NONCE)
out_none = emit(SUSAN, "--element")
out_right = emit(SUSAN, "--element", "--nonce", NONCE)
c.check(all(o.returncode == 0 for o in (out_wrong, out_none, out_right)), "controls: elements emitted",
        " / ".join(o.stderr.strip() for o in (out_wrong, out_none, out_right)))
add_frame("csp-right-nonce", frame_page(out_right.stdout.rstrip("\n"), SUSAN, NONCE), CSP)
add_frame("csp-wrong-nonce", frame_page(out_wrong.stdout.rstrip("\n"), SUSAN, NONCE), CSP)
add_frame("csp-no-nonce", frame_page(out_none.stdout.rstrip("\n"), SUSAN, NONCE), CSP)
# A hand-made element without the escaping: the detector must see its payload.
RAW_TAIL = 'var stellar_member_state = {"short_name":"</script>%s"};</script>' % img("raw")
add_frame("raw-injection", frame_page("<script>" + RAW_TAIL, SUSAN, None), None)
add_frame("raw-injection-csp", frame_page('<script nonce="%s">' % NONCE + RAW_TAIL, SUSAN, NONCE), CSP)

bad = emit(SUSAN, "--element", "--nonce", '"><img src=x onerror=alert(1)>')
c.check(bad.returncode != 0 and "<img" not in bad.stdout,
        "partner cheetah member-state refuses a nonce that is not base64 (`\"><img ...`)",
        "exit %d, stdout %s" % (bad.returncode, short(bad.stdout)))

PAGES["/"] = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>cheetah interop</title></head><body>'
              + "".join('<iframe data-frame="%s" src="/frame/%s" width="40" height="20"></iframe>' % (f, f)
                        for f in FRAMES)
              + "<script>%s</script></body></html>" % COLLECTOR_JS, None)

# --- load them in Chromium ----------------------------------------------------

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
URL = "http://127.0.0.1:%d/" % server.server_address[1]


class ResultsParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inside, self.text = False, None

    def handle_starttag(self, tag, attrs):
        if tag == "pre" and dict(attrs).get("id") == "results":
            self.inside, self.text = True, ""

    def handle_endtag(self, tag):
        if tag == "pre":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.text += data


results = None
try:
    t0 = time.monotonic()
    mode, dom = dump_dom(URL)
    print("chromium %s --dump-dom: %.1f s, %d characters" % (mode, time.monotonic() - t0, len(dom)),
          file=sys.stderr)
    p = ResultsParser()
    p.feed(dom)
    p.close()
    if p.text is None:
        raise RuntimeError("no <pre id=\"results\"> in the dumped DOM (the page's collector did not run): %s"
                           % short(dom, 400))
    results = json.loads(base64.b64decode(p.text.strip()).decode("utf-8"))
    c.check(True, "chromium %s --dump-dom %s: %d frames loaded, the page's verdicts read" % (mode, URL, len(FRAMES)))
except Exception as e:  # noqa: BLE001 - any error is a failed check
    c.check(False, "chromium --dump-dom %s" % URL, "%s: %s" % (type(e).__name__, e))
finally:
    server.shutdown()
    server.server_close()

if results is None:
    c.finish()

FR = results["frames"]
c.check(results["top_pwned"] is None, "enclosing page: no frame's payload reached it (window.__pwned)",
        "window.__pwned = %r" % results["top_pwned"])


def frame(fid):
    r = FR.get(fid) or {}
    return r, (r.get("verdict") or {})


def roundtrip(fid, st):
    r, v = frame(fid)
    if r.get("error"):
        return False, "frame not readable: %s" % r["error"]
    if v.get("checker") != "ran":
        return False, "the page's checker wrote no verdict (typeof stellar_member_state: %s)" % r.get("state_type")
    if not v.get("roundtrip"):
        return False, "state %s; mismatches %s; missing %s; extra %s" % (
            v.get("state_type"), short([(m["field"], m["expected"], m["got"]) for m in v.get("mismatches", [])], 600),
            v.get("missing"), v.get("extra"))
    copy = json.loads(r["state"]) if r.get("state") else None
    if copy != st:
        return False, "the page's checker agreed, but the value read from outside differs: %s" % short(copy, 400)
    return True, ""


def nothing_injected(fid):
    r, v = frame(fid)
    if v.get("checker") != "ran":
        return False, "the page's checker wrote no verdict (did the element swallow it?): %s" % short(r)
    problems = []
    if v.get("pwned") is not None or r.get("pwned") is not None:
        problems.append("window.__pwned = %s" % short(v.get("pwned") or r.get("pwned")))
    if r.get("blink"):
        problems.append("%d appended <blink>" % r["blink"])
    if v.get("tags") != EXPECTED_TAGS:
        problems.append("elements %s, expected %s" % (short(v.get("tags"), 300), EXPECTED_TAGS))
    if v.get("stray_text"):
        problems.append("text outside the scripts: %s" % short(v["stray_text"]))
    return not problems, "; ".join(problems)


for cid, what, st in TESTED:
    for suffix, label in (("plain", "no CSP"), ("csp", "CSP nonce")):
        fid = "%s.%s" % (cid, suffix)
        c.step("%s [%s]: every field round-trips in Chromium" % (cid, label), lambda: roundtrip(fid, st))
        c.step("%s [%s]: no injected code runs, no element or text injected" % (cid, label),
               lambda: nothing_injected(fid))

r, v = frame("csp-right-nonce")
c.check(v.get("roundtrip") is True,
        "CSP: the element with the right nonce runs (stellar_member_state visible)", short(r, 400))
r, v = frame("csp-wrong-nonce")
c.check(v.get("checker") == "ran" and v.get("state_type") == "undefined" and r.get("state_type") == "undefined",
        "CSP: the same element with a wrong nonce does not run (stellar_member_state absent)", short(r, 400))
r, v = frame("csp-no-nonce")
c.check(v.get("checker") == "ran" and v.get("state_type") == "undefined",
        "CSP: the element without a nonce does not run (stellar_member_state absent)", short(r, 400))
ok, detail = nothing_injected("raw-injection")
r, v = frame("raw-injection")
c.check(not ok and (v.get("pwned") or r.get("pwned")) and r.get("blink"),
        "control: the detector sees a hand-made unescaped element's payload run", "verdict %s" % short(v, 400))
ok, detail = nothing_injected("raw-injection-csp")
r, v = frame("raw-injection-csp")
c.check(not ok and v.get("pwned") is None and r.get("pwned") is None and "img" in (v.get("tags") or []),
        "control: under the CSP the unescaped element's markup is seen, its handler blocked",
        "verdict %s" % short(v, 400))

print("run time %.1f s" % (time.monotonic() - STARTED), file=sys.stderr)
c.finish()
