"""Teapplix Launch URLs between Python and partner, both directions: the
signature is lower-case hex HMAC-SHA256 over the URI from `/h/` through
`ts` (`/h/<vhost>/te/lo.cgi?Action=Launch&pt=<token>&ts=<ts>`).

- URLs signed in Python (hmac, token encoded with quote_plus and with
  quote) checked by `partner teapplix verify` and by the fake
  (`partner mock teapplix`, GET /h/<vhost>/te/lo.cgi with a token from
  PSObtainToken);
- URLs from `partner teapplix launch-url` checked in Python.

Contract (README.md): env PARTNER; no arguments; one line per check on
stdout; exit 1 if any check failed. Starts `partner mock teapplix` itself.
"""

import hashlib
import hmac
import json
import os
import sys
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import interop  # noqa: E402

import requests  # noqa: E402

c = interop.Checks()
line = interop.start_mock("teapplix")
BASE = line["base_url"]
KEY = line["signature_key"]
PAIR = line["pairs"][0]
VHOST = PAIR["client_vhost"]
SECRETS = {"IOP_TEAPPLIX_KEY": KEY}
KEY_ARGS = ["--signature-key-env", "IOP_TEAPPLIX_KEY"]
ODD_TOKEN = "tok 1+2/=&~*\u00e9\U0001f389"


def obtain():
    r = requests.get(BASE + "/api2/PSObtainToken", params={"PSClientID": PAIR["ps_client_id"]},
                     headers={"APIToken": line["api_token"]}, timeout=10)
    body = r.json()
    if r.status_code != 200 or body.get("ClientVHOST") != VHOST or not body.get("AccessToken"):
        raise RuntimeError("PSObtainToken answered %d %r" % (r.status_code, body))
    return body["AccessToken"]


def python_url(token, ts, encode=quote_plus, vhost=VHOST, key=KEY, base=BASE):
    uri = "/h/%s/te/lo.cgi?Action=Launch&pt=%s&ts=%d" % (vhost, encode(token), ts)
    signature = hmac.new(key.encode("utf-8"), uri.encode("ascii"), hashlib.sha256).hexdigest()
    return base + uri + "&signature=" + signature


def verify(url, *extra):
    return interop.partner("teapplix", "verify", url, *KEY_ARGS, "--json", *extra, env=SECRETS)


def accepted(out, ts):
    if out.returncode != 0:
        return (False, "exit %d: %s" % (out.returncode, out.stderr.strip()))
    got = json.loads(out.stdout)
    return (got.get("valid") is True and got.get("client_vhost") == VHOST and got.get("ts") == ts, repr(got))


def refused(out, kind, what):
    c.check(out.returncode == 1 and kind in out.stderr, what, "exit %d %s" % (out.returncode, out.stderr.strip()))


# --- Python signs, partner and the fake verify ---
NOW = interop.now()
for name, encode in (("quote_plus", quote_plus), ("quote(safe='')", lambda s: quote(s, safe=""))):
    url = python_url(ODD_TOKEN, NOW, encode)
    c.step("Python-signed launch URL, token with space +/=&~* and emoji via %s: partner teapplix verify accepts it" % name,
           lambda url=url: accepted(verify(url), NOW))
token = obtain()
url = python_url(token, NOW)
c.step("Python-signed launch URL with a PSObtainToken token: partner teapplix verify accepts it", lambda: accepted(verify(url), NOW))
r = interop.http_get_raw(url)
c.check(r.status_code == 200 and "Logged in" in r.text and VHOST in r.text, "Python-signed launch URL: the fake logs in (200)",
        "%d %s" % (r.status_code, r.text[:200]))
r = interop.http_get_raw(url)
c.check(r.status_code == 403, "Python-signed launch URL: the fake refuses its second use (403)", "%d" % r.status_code)
other_host = "https://app.teapplix.com" + url[len(BASE):]  # never opened: only verified offline
c.step("the signature covers /h/ through ts only: the same URI under another host verifies",
       lambda: accepted(verify(other_host), NOW))
refused(verify(url.replace("&ts=%d" % NOW, "&ts=%d" % (NOW - 1))), "bad-signature", "Python-signed URL with ts changed: partner refuses")
refused(verify(python_url(ODD_TOKEN, NOW, key="another key")), "bad-signature", "URL signed with another key: partner refuses")
refused(verify(python_url(ODD_TOKEN, NOW - 3600)), "expired", "URL signed an hour ago: partner refuses (expired, 30 min window)")
token = obtain()
r = interop.http_get_raw(python_url(token, NOW, key="another key"))
c.check(r.status_code == 403, "URL signed with another key: the fake refuses (403)", "%d" % r.status_code)

# --- partner signs, Python verifies ---
def python_checks(url, token, ts=None):
    i = url.find("/h/")
    uri, sep, signature = url[i:].rpartition("&signature=")
    expected = hmac.new(KEY.encode("utf-8"), uri.encode("utf-8"), hashlib.sha256).hexdigest()
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
    names = [k for k, _ in query]
    got_ts = int(dict(query)["ts"])
    ok = (i >= 0 and sep and hmac.compare_digest(expected, signature) and parts.path == "/h/%s/te/lo.cgi" % VHOST
          and names == ["Action", "pt", "ts"] and dict(query)["pt"] == token and dict(query)["Action"] == "Launch"
          and (got_ts == ts if ts is not None else abs(got_ts - interop.now()) <= 30))
    return (ok, "url %s, query %r" % (url, query))


token = obtain()
out = interop.partner("teapplix", "launch-url", "--vhost", VHOST, "--base-url", BASE, "--access-token-env", "IOP_TEAPPLIX_TOKEN",
                      *KEY_ARGS, "--json", env=dict(SECRETS, IOP_TEAPPLIX_TOKEN=token))
url = json.loads(out.stdout)["url"] if out.returncode == 0 else ""
c.step("partner teapplix launch-url: Python recomputes the HMAC over /h/..ts, pt and ts as given", lambda: python_checks(url, token))
r = interop.http_get_raw(url) if url else None
c.check(r is not None and r.status_code == 200 and "Logged in" in r.text, "partner teapplix launch-url: the fake logs in (200)",
        "%s" % (r and r.status_code))

token_file = interop.write_file("token", ODD_TOKEN + "\n")
key_file = interop.write_file("teapplix.key", KEY)
out = interop.partner("teapplix", "launch-url", "--vhost", VHOST, "--base-url", BASE, "--access-token-file", token_file,
                      "--signature-key-file", key_file, "--ts", str(NOW), "--json")
url = json.loads(out.stdout)["url"] if out.returncode == 0 else ""
c.step("partner teapplix launch-url (files; token with space +/=&~* and emoji, --ts): Python verifies, parse_qsl decodes pt",
       lambda: python_checks(url, ODD_TOKEN, NOW))

# The documented example (partner_teapplix::LaunchSigner): key "Signature Key".
doc_secrets = {"IOP_DOC_KEY": "Signature Key", "IOP_DOC_TOKEN": "AccessToken"}
out = interop.partner("teapplix", "launch-url", "--vhost", "demo2", "--access-token-env", "IOP_DOC_TOKEN",
                      "--signature-key-env", "IOP_DOC_KEY", "--ts", "1483257600", env=doc_secrets)
expected = python_url("AccessToken", 1483257600, vhost="demo2", key="Signature Key", base="https://app.teapplix.com")
c.check(out.returncode == 0 and out.stdout.strip() == expected
        and expected.endswith("9991b1c9984c8b2b4495b6a09ce35bec09af044cc653486a8a4421bc9493a205"),
        "documented example: partner teapplix launch-url == the URL Python signs", "partner %r, python %r" % (out.stdout.strip(), expected))

c.finish()
