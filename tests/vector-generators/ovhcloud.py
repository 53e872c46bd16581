#!/usr/bin/env python3
"""Writes tests/vectors/ovhcloud/*-more.json.

Independent of the Rust code: Python's hashlib SHA-1 over the pre-image of
docs/conformance.md (the official SDKs' algorithm), and json.dumps(ensure_ascii=True,
separators=(",", ":")) for bodies. Run from the repository root:
python3 tests/vector-generators/ovhcloud.py
"""
import hashlib
import json
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "vectors", "ovhcloud")
SRC = ("generated with tests/vector-generators/ovhcloud.py: Python hashlib SHA-1 of docs/conformance.md's pre-image "
       "(not with this project's code)")
AS = "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk"
CK = "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY"


def sig(method, url, body, ts, a=AS, c=CK):
    return "$1$" + hashlib.sha1("+".join([a, c, method.upper(), url, body, str(ts)]).encode()).hexdigest()


def write(kind, cases, note=""):
    doc = {"format": 1, "provider": "ovhcloud", "kind": kind, "source": SRC + note, "cases": cases}
    with open(os.path.join(OUT, kind + "-more.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


TS = 1700000000
cases = []
body_ascii = json.dumps({"fieldType": "A", "subDomain": "www", "target": "192.0.2.1", "ttl": 3600}, separators=(",", ":"))
body_unicode = json.dumps({"description": "Zo\u00eb \U0001F600"}, separators=(",", ":"), ensure_ascii=True)
for name, method, url, body in [
    ("query-string", "GET", "https://eu.api.ovh.com/1.0/domain/zone/example.com/record?fieldType=A&subDomain=www", ""),
    ("encoded-path-segment", "GET", "https://eu.api.ovh.com/1.0/domain/zone/a%20b.com", ""),
    ("post-json-body", "POST", "https://eu.api.ovh.com/1.0/domain/zone/example.com/record", body_ascii),
    ("ascii-escaped-unicode-body", "PUT", "https://ca.api.ovh.com/1.0/me", body_unicode),
    ("raw-unicode-body", "PUT", "https://ca.api.ovh.com/1.0/me", "{\"description\":\"Zo\u00eb\"}"),
    ("lower-case-method", "delete", "https://api.us.ovhcloud.com/1.0/domain/zone/example.com/record/42", ""),
    ("v2-path", "GET", "https://eu.api.ovh.com/v2/iam/resource", ""),
    ("custom-endpoint", "GET", "http://127.0.0.1:8080/1.0/me", ""),
]:
    cases.append({"name": name, "input": {"application_secret": AS, "consumer_key": CK, "method": method, "url": url,
                  "body": body, "timestamp": TS}, "expect": {"signature": sig(method, url, body, TS)}})
write("request-signature", cases)

cases = []
URL = "https://eu.api.ovh.com/1.0/me"
good = sig("GET", URL, "", TS)


def v(name, expect, now=TS, signature=good, body="", url=URL, method="GET", **opt):
    inp = {"application_secret": AS, "consumer_key": CK, "method": method, "url": url, "body": body,
           "timestamp": TS, "signature": signature, "now": now}
    inp.update(opt)
    cases.append({"name": name, "input": inp, "expect": expect})


v("at-max-skew-past", {"ok": True}, now=TS + 300)
v("past-max-skew", {"error": "expired"}, now=TS + 301)
v("at-max-skew-future", {"ok": True}, now=TS - 300)
v("future-beyond-skew", {"error": "not-yet-valid"}, now=TS - 301)
v("custom-skew", {"error": "expired"}, now=TS + 11, max_skew_secs=10)
v("uppercase-hex", {"ok": True}, signature="$1$" + good[3:].upper())
v("tampered-url", {"error": "bad-signature"}, url=URL + "?x=1")
v("tampered-method", {"error": "bad-signature"}, method="POST")
v("other-consumer-key", {"error": "bad-signature"}, signature=sig("GET", URL, "", TS, c="another"))
v("no-prefix", {"error": "malformed"}, signature=good[3:])
v("short-hex", {"error": "malformed"}, signature=good[:-1])
v("non-hex", {"error": "malformed"}, signature="$1$" + "z" * 40)
v("malformed-beats-expired", {"error": "malformed"}, signature="nope", now=TS + 99999)
v("bad-signature-beats-expired", {"error": "bad-signature"}, signature="$1$" + "0" * 40, now=TS + 99999)
write("verify-signature", cases, "; precedence and window from docs/conformance.md")
