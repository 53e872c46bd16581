"""Shared helpers of the Python interop scripts (not a script itself: the
runner only runs the files directly in tests/interop/).

- `Checks`: prints `ok   <what>` or `FAIL <what>: <detail>` on stdout, one
  line per check, and exits 1 if any failed (0 otherwise).
- `start_mock(provider)`: starts `$PARTNER mock <provider>` on 127.0.0.1,
  reads its one JSON line and stops it at exit.
- `partner(*args, env=...)`: runs `$PARTNER ...`; secrets go in `env`
  (passed to `--*-env NAME`) or in files (`secret_file`), never in argv.
"""

import atexit
import http.client
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

WATCHDOG_SECONDS = 240


def _partner_path():
    path = os.environ.get("PARTNER", "")
    if not path or not os.access(path, os.X_OK):
        print("FAIL setup: set PARTNER to the path of the partner binary (got %r)" % path)
        sys.exit(1)
    return path


PARTNER = _partner_path()
_children = []
_tmpdir = tempfile.mkdtemp(prefix="partner-interop-")


def _cleanup():
    for proc, _log in _children:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    for name in os.listdir(_tmpdir):
        try:
            os.unlink(os.path.join(_tmpdir, name))
        except OSError:
            pass
    try:
        os.rmdir(_tmpdir)
    except OSError:
        pass


atexit.register(_cleanup)


def _on_signal(signum, _frame):
    if signum == signal.SIGALRM:
        print("FAIL watchdog: the script ran longer than %d s" % WATCHDOG_SECONDS, flush=True)
    sys.exit(1)  # atexit stops the mocks


signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGALRM, _on_signal)
signal.alarm(WATCHDOG_SECONDS)


class Checks:
    """One line per check on stdout; `finish()` exits 1 if any failed."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print("ok   " + what, flush=True)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (what, detail or "assertion failed"), flush=True)
        return bool(cond)

    def equal(self, actual, expected, what):
        return self.check(actual == expected, what, "expected %r, got %r" % (expected, actual))

    def step(self, what, fn):
        """Runs fn(); an exception is a FAIL of `what`. fn returns (cond, detail) or cond."""
        try:
            out = fn()
        except Exception as e:  # noqa: BLE001 - any error is a failed check
            traceback.print_exc(file=sys.stderr)
            return self.check(False, what, "%s: %s" % (type(e).__name__, e))
        if isinstance(out, tuple):
            return self.check(out[0], what, out[1])
        return self.check(out, what)

    def raises(self, fn, exc_type, what, predicate=lambda e: True):
        """Checks that fn() raises exc_type (and that predicate(e) holds)."""
        try:
            got = fn()
        except exc_type as e:
            return self.check(predicate(e), what, "raised %s: %s" % (type(e).__name__, e))
        except Exception as e:  # noqa: BLE001
            return self.check(False, what, "expected %s, raised %s: %s" % (exc_type.__name__, type(e).__name__, e))
        return self.check(False, what, "expected %s, returned %r" % (exc_type.__name__, got))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), file=sys.stderr, flush=True)
        if self.failed:
            for proc, log in _children:
                try:
                    with open(log, encoding="utf-8", errors="replace") as f:
                        tail = f.readlines()[-20:]
                    print("--- last lines of the mock's log (%s):" % " ".join(proc.args[1:]), file=sys.stderr)
                    sys.stderr.writelines(tail)
                except OSError:
                    pass
        sys.stdout.flush()
        sys.exit(1 if self.failed else 0)


def start_mock(provider, config=None):
    """Starts `$PARTNER mock <provider>` and returns its JSON line as a dict."""
    args = [PARTNER, "mock", provider]
    if config is not None:
        path = write_file("mock-%s.json" % provider, json.dumps(config))
        args += ["--config", path]
    log = os.path.join(_tmpdir, "mock-%s.log" % provider)
    with open(log, "wb") as err:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
    _children.append((proc, log))
    ready, _, _ = select.select([proc.stdout], [], [], 20)
    line = proc.stdout.readline() if ready else b""
    if not line:
        try:
            code = proc.wait(1)
        except subprocess.TimeoutExpired:
            code = "still running"
        print("FAIL start partner mock %s: no JSON line within 20 s (exit status: %s)" % (provider, code))
        sys.exit(1)
    info = json.loads(line)
    for key in ("base_url",):
        if not str(info.get(key, "")).startswith("http://127.0.0.1:"):
            print("FAIL start partner mock %s: %s is not on 127.0.0.1: %r" % (provider, key, info.get(key)))
            sys.exit(1)
    return info


def write_file(name, data, mode=0o600):
    """Writes `data` (str or bytes) to a private temporary file; returns its path."""
    path = os.path.join(_tmpdir, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def partner(*args, env=None, stdin=None):
    """Runs `$PARTNER args...` with extra environment variables (secrets go
    there, never in args). Returns CompletedProcess (text)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [PARTNER, *args],
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
    )


def partner_json(*args, env=None):
    """Runs `$PARTNER args... --json` expecting exit 0; returns the parsed JSON."""
    out = partner(*args, "--json", env=env)
    if out.returncode != 0:
        raise RuntimeError("partner %s exited %d: %s" % (args[0:2], out.returncode, out.stderr.strip()))
    return json.loads(out.stdout)


class RawResponse:
    def __init__(self, status_code, headers, text):
        self.status_code, self.headers, self.text = status_code, headers, text


def http_get_raw(url, headers=None):
    """GET `url` (http://127.0.0.1 only) sending its path and query byte for
    byte, as a browser would for an ASCII URL; returns status_code, headers, text."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1":
        raise ValueError("only http://127.0.0.1 is allowed here: %r" % url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        target = parts.path + ("?" + parts.query if parts.query else "")
        conn.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return RawResponse(resp.status, dict(resp.getheaders()), resp.read().decode("utf-8", "replace"))
    finally:
        conn.close()


def now():
    return int(time.time())
