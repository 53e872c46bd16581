#!/usr/bin/env python3
"""Writes tests/vectors/blendr/*-more.json.

Independent of the Rust code: Python's hmac/hashlib, a WHATWG form encoder
written from the URL Standard, and PyJWT 2.x (pip install PyJWT) for tokens.
Algorithm: Blendr.io's SSO integration for SaaS partners page (https://developer.blendr.io/docs/sso-integration-for-saas-partners) and docs/conformance.md.
Run from the repository root: python3 tests/vector-generators/blendr.py
"""
import base64
import hashlib
import hmac
import json
import os

import jwt  # PyJWT

OUT = os.path.join(os.path.dirname(__file__), "..", "vectors", "blendr")
SRC = ("generated with tests/vector-generators/blendr.py: Python 3.11 hmac, a WHATWG form encoder "
       "written from the URL Standard, PyJWT " + jwt.__version__ + " (not with this project's code)")
K = "saaspartner_api_key"


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


def q(pairs):
    return "&".join(whatwg(k) + "=" + whatwg(v) for k, v in pairs)


def h(key, msg):
    return hmac.new(key.encode(), msg.encode(), hashlib.sha256).hexdigest()


def write(kind, cases, note=""):
    doc = {"format": 1, "provider": "blendr", "kind": kind, "source": SRC + note, "cases": cases}
    with open(os.path.join(OUT, kind + "-more.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


# sso-hash: any query, hashed as given (PHP and Python encoders differ; the hash covers the raw text).
cases = []
for name, query in [
    ("php-style-tilde", "accountid=1&username=a%7Eb&timestamp=1"),
    ("python-style-tilde", "accountid=1&username=a~b&timestamp=1"),
    ("unicode-raw", "accountid=1&username=Zo\u00eb&timestamp=1"),
    ("long-query", "accountid=1&" + "&".join("p%d=%d" % (i, i) for i in range(50)) + "&timestamp=1"),
]:
    cases.append({"name": name, "input": {"api_key": K, "query": query}, "expect": {"hash": h(K, query)}})
cases.append({"name": "other-key", "input": {"api_key": "another key \u00e9", "query": "a=b"},
              "expect": {"hash": h("another key \u00e9", "a=b")}})
write("sso-hash", cases)

# sso-link
cases = []
B = "https://acme.admin.blendr.io/sso"
for name, params, ts in [
    ("all-documented", [["accountid", "123"], ["accountname", "ACME Inc."], ["userid", "456"], ["username", "Jon Smith"], ["useremail", "jon+test@acme.example"]], 1700000000),
    ("special-characters", [["accountid", "a&b=c"], ["username", "~*+ %/?#"], ["x", "\u00e9\u20ac\U0001F600"]], 1700000001),
    ("empty-values", [["accountid", "1"], ["accountname", ""], ["userid", ""]], 0),
    ("regional-order-kept", [["userid", "9"], ["accountid", "7"]], 1565706663),
]:
    Q = q(params + [["timestamp", str(ts)]])
    cases.append({"name": name, "input": {"api_key": K, "base_url": B, "params": params, "timestamp": ts},
                  "expect": {"url": B + "?" + Q + "&hash=" + h(K, Q)}})
for base in ["https://acme.ca.admin.blendr.io/sso", "https://acme.admin.ca.blendr.io/sso/templates/5f3a-91"]:
    params = [["accountid", "42"]]
    Q = q(params + [["timestamp", "1700000000"]])
    cases.append({"name": "base-" + base.split("//")[1].split(".")[1] + ("-template" if "templates" in base else ""),
                  "input": {"api_key": K, "base_url": base, "params": params, "timestamp": 1700000000},
                  "expect": {"url": base + "?" + Q + "&hash=" + h(K, Q)}})
cases.append({"name": "empty-accountid", "input": {"api_key": K, "base_url": B, "params": [["accountid", ""]], "timestamp": 1},
              "expect": {"error": "malformed"}})
cases.append({"name": "no-params", "input": {"api_key": K, "base_url": B, "params": [], "timestamp": 1},
              "expect": {"error": "malformed"}})
write("sso-link", cases)

# sso-verify
cases = []
NOW = 1700000000


def signed(query):
    return query + "&hash=" + h(K, query)


def v(name, query, expect, now=NOW, **opt):
    inp = {"api_key": K, "query": query, "now": now}
    inp.update(opt)
    cases.append({"name": name, "input": inp, "expect": expect})


base_q = "accountid=123&username=Jon+Smith&x=%7E%2A&timestamp=1699999990"
params = [["accountid", "123"], ["username", "Jon Smith"], ["x", "~*"], ["timestamp", "1699999990"]]
v("valid", signed(base_q), {"params": params})
v("hash-first", "hash=" + h(K, base_q) + "&" + base_q, {"params": params})
v("hash-in-middle", "accountid=123&username=Jon+Smith&hash=" + h(K, base_q) + "&x=%7E%2A&timestamp=1699999990", {"params": params})
v("uppercase-hash", base_q + "&hash=" + h(K, base_q).upper(), {"params": params})
v("python-encoded-tilde", signed("accountid=1&u=a~b&timestamp=1700000000"), {"params": [["accountid", "1"], ["u", "a~b"], ["timestamp", "1700000000"]]})
v("at-max-age", signed("accountid=1&timestamp=1699999700"), {"params": [["accountid", "1"], ["timestamp", "1699999700"]]})
v("expired", signed("accountid=1&timestamp=1699999699"), {"error": "expired"})
v("at-max-skew", signed("accountid=1&timestamp=1700000060"), {"params": [["accountid", "1"], ["timestamp", "1700000060"]]})
v("not-yet-valid", signed("accountid=1&timestamp=1700000061"), {"error": "not-yet-valid"})
v("custom-window", signed("accountid=1&timestamp=1699999990"), {"error": "expired"}, max_age_secs=5)
v("custom-skew", signed("accountid=1&timestamp=1700000010"), {"error": "not-yet-valid"}, max_skew_secs=5)
v("no-hash", base_q, {"error": "malformed"})
v("two-hashes", signed(base_q) + "&hash=" + h(K, base_q), {"error": "malformed"})
v("no-accountid", signed("userid=1&timestamp=1700000000"), {"error": "malformed"})
v("no-timestamp", signed("accountid=1"), {"error": "malformed"})
v("timestamp-not-integer", signed("accountid=1&timestamp=1.7e9"), {"error": "malformed"})
v("short-hash", base_q + "&hash=" + h(K, base_q)[:63], {"error": "bad-signature"})
v("non-hex-hash", base_q + "&hash=" + "g" * 64, {"error": "bad-signature"})
v("wrong-key", base_q + "&hash=" + h("other", base_q), {"error": "bad-signature"})
v("reencoded-value", signed("accountid=1&u=a~b&timestamp=1700000000").replace("a~b", "a%7Eb"), {"error": "bad-signature"})
v("bad-signature-beats-expired", "accountid=1&timestamp=1&hash=" + "0" * 64, {"error": "bad-signature"})
v("malformed-beats-bad-signature", "accountid=1&hash=" + "0" * 64, {"error": "malformed"})
write("sso-verify", cases, "; hash placement and precedence from docs/conformance.md")

# sso-jwt-verify (tokens made with PyJWT; the unsigned and foreign-algorithm ones assembled by hand)
cases = []


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tok(claims, key=K, alg="HS256", headers=None):
    return jwt.encode(claims, key, algorithm=alg, headers=headers)


def jv(name, token, expect, now=NOW, **opt):
    inp = {"api_key": K, "jwt": token, "now": now}
    inp.update(opt)
    cases.append({"name": name, "input": inp, "expect": expect})


flat = {"accountid": "acme-1", "accountname": "ACME", "userid": "u1", "username": "Jo", "useremail": "jo@acme.test",
        "iat": NOW - 10, "api_key": "abcde12345"}
jv("flat-all-claims", tok(flat), {"claims": flat})
nested = {"account": {"external_id": "acme-1", "name": "ACME"},
          "user": {"external_id": "u1", "name": "Jo", "email": "jo@acme.test", "locale": "en"},
          "datasource": {"api_key": "k"}, "embed": {"theme": "dark"}, "iat": NOW, "exp": NOW + 300}
jv("nested-shape", tok(nested), {"claims": nested})
jv("numeric-external-id", tok({"account": {"external_id": 7}, "iat": NOW}), {"claims": {"account": {"external_id": 7}, "iat": NOW}})
jv("hs512-refused", tok(flat, alg="HS512"), {"error": "bad-signature"})
none_token = b64(b'{"alg":"none","typ":"JWT"}') + "." + b64(json.dumps(flat).encode()) + "."
jv("alg-none-refused", none_token, {"error": "bad-signature"})
jv("wrong-key", tok(flat, key="not the key"), {"error": "bad-signature"})
t = tok(flat)
jv("tampered-payload", t.split(".")[0] + "." + b64(json.dumps(dict(flat, accountid="evil")).encode()) + "." + t.split(".")[2], {"error": "bad-signature"})
jv("no-iat", tok({"accountid": "a"}), {"error": "malformed"})
jv("no-account", tok({"iat": NOW, "userid": "u"}), {"error": "malformed"})
jv("not-a-jwt", "abc.def", {"error": "malformed"})
jv("iat-too-old", tok({"accountid": "a", "iat": NOW - 301}), {"error": "expired"})
jv("iat-at-max-age", tok({"accountid": "a", "iat": NOW - 300}), {"claims": {"accountid": "a", "iat": NOW - 300}})
jv("exp-passed", tok({"accountid": "a", "iat": NOW - 10, "exp": NOW - 1}), {"error": "expired"})
jv("iat-in-future", tok({"accountid": "a", "iat": NOW + 61}), {"error": "not-yet-valid"})
jv("nbf-in-future", tok({"accountid": "a", "iat": NOW, "nbf": NOW + 61}), {"error": "not-yet-valid"})
jv("nbf-within-skew", tok({"accountid": "a", "iat": NOW, "nbf": NOW + 60}), {"claims": {"accountid": "a", "iat": NOW, "nbf": NOW + 60}})
jv("custom-max-age", tok({"accountid": "a", "iat": NOW - 11}), {"error": "expired"}, max_age_secs=10)
jv("bad-signature-beats-expired", tok({"accountid": "a", "iat": 1}, key="x"), {"error": "bad-signature"})
write("sso-jwt-verify", cases, "; algorithm and time rules from docs/conformance.md")
