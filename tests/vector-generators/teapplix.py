#!/usr/bin/env python3
"""Writes tests/vectors/teapplix/*-more.json.

Independent of the Rust code: Python's hmac/hashlib, and a WHATWG
application/x-www-form-urlencoded byte serializer written from the URL
Standard. The algorithm is the one of Teapplix's Auto Login to Teapplix page (https://www.teapplix.com/help/?page_id=7281)
(Perl/PHP/Python samples) and docs/conformance.md.
Run from the repository root: python3 tests/vector-generators/teapplix.py
"""
import hashlib
import hmac
import json
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "vectors", "teapplix")
SRC = ("generated with tests/vector-generators/teapplix.py: Python 3.11 hmac/hashlib and a WHATWG "
       "form encoder written from the URL Standard (not with this project's code); algorithm from "
       "Teapplix's Auto Login to Teapplix page (https://www.teapplix.com/help/?page_id=7281)")


def whatwg(s):
    out = []
    for b in s.encode("utf-8"):
        c = chr(b)
        if c.isascii() and (c.isalnum() or c in "*-._"):
            out.append(c)
        elif c == " ":
            out.append("+")
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def sig(key, msg):
    return hmac.new(key.encode(), msg.encode(), hashlib.sha256).hexdigest()


def uri(vh, tok, ts):
    return "/h/" + vh + "/te/lo.cgi?Action=Launch&pt=" + whatwg(tok) + "&ts=" + str(ts)


def url(base, key, vh, tok, ts):
    u = uri(vh, tok, ts)
    return base + u + "&signature=" + sig(key, u)


def signed(base, key, raw_uri):
    return base + raw_uri + "&signature=" + sig(key, raw_uri)


def write(kind, cases, note=""):
    doc = {"format": 1, "provider": "teapplix", "kind": kind, "source": SRC + note, "cases": cases}
    with open(os.path.join(OUT, kind + "-more.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


K = "partner signature key"
B = "https://app.teapplix.com"

cases = []
for name, key, u in [
    ("special-token", "Signature Key", uri("acme-shop.eu", "a b+c/d~e*\u00e9", 1700000000)),
    ("long-key", "k" * 100, uri("x", "t", 1483257600)),
]:
    cases.append({"name": name, "input": {"signature_key": key, "uri": u}, "expect": {"signature": sig(key, u)}})
# An empty key is refused, never used: anyone can compute an HMAC under it.
cases.append({"name": "empty-key", "input": {"signature_key": "", "uri": "/h/demo2/te/lo.cgi?Action=Launch&pt=x&ts=1"},
              "expect": {"error": "malformed"}})
write("launch-signature", cases)

cases = []
for name, vh, tok, ts in [
    ("token-needs-encoding", "acme", "tok 1+2/3=4&5~*", 1700000000),
    ("unicode-token", "Shop_1.eu-2", "jeton-\u00e9-\u20ac", 1700000001),
    ("digit-first-vhost", "9store", "T0K3N", 0),
]:
    inp = {"signature_key": K, "base_url": B, "client_vhost": vh, "access_token": tok, "ts": ts}
    cases.append({"name": name, "input": inp, "expect": {"url": url(B, K, vh, tok, ts)}})
loop = "http://127.0.0.1:8080"
cases.append({"name": "loopback-base",
              "input": {"signature_key": K, "base_url": loop, "client_vhost": "acme", "access_token": "t", "ts": 5},
              "expect": {"url": url(loop, K, "acme", "t", 5)}})
for name, vh in [("vhost-leading-dot", ".acme"), ("vhost-slash", "acme/../x"), ("vhost-percent", "acme%2F"),
                 ("vhost-space", "ac me"), ("vhost-empty", ""), ("vhost-query", "acme?x=1"),
                 ("vhost-non-ascii", "acm\u00e9")]:
    inp = {"signature_key": K, "base_url": B, "client_vhost": vh, "access_token": "t", "ts": 1}
    cases.append({"name": name, "input": inp, "expect": {"error": "unsafe-input"}})
cases.append({"name": "plain-http-base",
              "input": {"signature_key": K, "base_url": "http://app.teapplix.com", "client_vhost": "acme",
                        "access_token": "t", "ts": 1},
              "expect": {"error": "unsafe-input"}})
write("launch-url", cases, "; plain-http-base is this project's reading of docs/conformance.md's unsafe-input (non-https URL)")

cases = []
TS = 1700000000
good = url(B, K, "demo2", "tok 1+2", TS)
ok = {"client_vhost": "demo2", "access_token": "tok 1+2", "ts": TS}


def v(name, u, now, expect, **opt):
    inp = {"signature_key": K, "url": u, "now": now}
    inp.update(opt)
    cases.append({"name": name, "input": inp, "expect": expect})


v("valid-same-second", good, TS, ok)
v("valid-at-max-age", good, TS + 1800, ok)
v("expired-one-past-max-age", good, TS + 1801, {"error": "expired"})
v("valid-at-max-skew", good, TS - 60, ok)
v("not-yet-valid", good, TS - 61, {"error": "not-yet-valid"})
v("custom-max-age", good, TS + 11, {"error": "expired"}, max_age_secs=10)
v("custom-max-skew", good, TS - 5, ok, max_skew_secs=5)
v("uppercase-signature", good[:-64] + good[-64:].upper(), TS, ok)
v("fragment-ignored", good + "#top", TS, ok)
v("signature-not-hex", good[:-64] + "z" * 64, TS, {"error": "bad-signature"})
v("signature-short", good[:-2], TS, {"error": "bad-signature"})
v("wrong-key", url(B, "another key", "demo2", "tok 1+2", TS), TS, {"error": "bad-signature"})
v("tampered-ts", good.replace("ts=%d" % TS, "ts=%d" % (TS + 1)), TS, {"error": "bad-signature"})
v("tampered-token", good.replace("pt=tok+1", "pt=tok+9"), TS, {"error": "bad-signature"})
v("bad-signature-beats-expired", good.replace("pt=tok+1", "pt=tok+9"), TS + 99999, {"error": "bad-signature"})
v("no-signature", B + uri("demo2", "t", TS), TS, {"error": "malformed"})
v("signature-not-last",
  B + "/h/demo2/te/lo.cgi?Action=Launch&signature=" + sig(K, uri("demo2", "t", TS)) + "&pt=t&ts=" + str(TS),
  TS, {"error": "malformed"})
v("ts-not-integer", signed(B, K, "/h/demo2/te/lo.cgi?Action=Launch&pt=t&ts=17e8"), TS, {"error": "malformed"})
v("no-token", signed(B, K, "/h/demo2/te/lo.cgi?Action=Launch&ts=" + str(TS)), TS, {"error": "malformed"})
v("wrong-path", signed(B, K, "/x/demo2/te/lo.cgi?Action=Launch&pt=t&ts=" + str(TS)), TS, {"error": "malformed"})
v("not-a-url", "h/demo2/te/lo.cgi?Action=Launch&pt=t&ts=1&signature=00", TS, {"error": "malformed"})
v("vhost-traversal", signed(B, K, "/h/../admin/te/lo.cgi?Action=Launch&pt=t&ts=" + str(TS)), TS,
  {"error": "unsafe-input"})
v("vhost-encoded-slash", signed(B, K, "/h/demo2%2F..%2Fadmin/te/lo.cgi?Action=Launch&pt=t&ts=" + str(TS)), TS,
  {"error": "unsafe-input"})
write("launch-verify", cases, "; error precedence from docs/conformance.md")
