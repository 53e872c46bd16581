"""Blendr.io SSO handoffs between Python and partner, both directions:

- hash links built with urllib.parse.urlencode (quote_via=quote and
  quote_via=quote_plus) + hmac/SHA-256, checked by `partner blendr verify`
  and by the fake hub (`partner mock blendr`, GET /sso); links built by
  `partner blendr link`, checked by recomputing the HMAC in Python over the
  raw query without `hash`;
- PyJWT (HS256) tokens checked by `partner blendr verify` and the hub, and
  `partner blendr jwt` tokens checked by PyJWT; flat and nested claims, with
  and without exp; HS384, HS512 and alg none refused.

Contract (README.md): env PARTNER; no arguments; one line per check on
stdout; exit 1 if any check failed. Starts `partner mock blendr` itself.
"""

import hashlib
import hmac
import json
import os
import sys
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import interop  # noqa: E402

import warnings  # noqa: E402

import jwt  # noqa: E402  (PyJWT)

# The fake's API key is short: PyJWT warns, which is beside the point here.
warnings.filterwarnings("ignore", message="The HMAC key is")

c = interop.Checks()
line = interop.start_mock("blendr")
HUB = line["base_url"] + "/sso"
KEY = line["api_key"]
SECRET_ENV = {"IOP_BLENDR_KEY": KEY}
KEY_ARGS = ["--api-key-env", "IOP_BLENDR_KEY"]
KEY_FILE = interop.write_file("blendr.key", KEY + "\n")  # a file ending in one line break is accepted

PAIRS = [
    ("accountid", "acct ~*+&= \U0001f389"),
    ("accountname", "ACME & Sons = ~* +1"),
    ("userid", "u 42"),
    ("username", "J\u00f6hn ~*+&= Smith \U0001f389"),
    ("useremail", "jon+tag@example.com"),
]


def verify(link_or_token, key_args=KEY_ARGS):
    return interop.partner("blendr", "verify", link_or_token, *key_args, "--json", env=SECRET_ENV)


def hub_get(query):
    """GET /sso?<query> with the query bytes exactly as given (requests would
    re-quote them: %7E becomes ~, which changes the signed string)."""
    return interop.http_get_raw(HUB + "?" + query)


def python_link(pairs, quote_via, ts=None):
    query = urlencode(pairs + [("timestamp", str(ts or interop.now()))], quote_via=quote_via)
    digest = hmac.new(KEY.encode("utf-8"), query.encode("ascii"), hashlib.sha256).hexdigest()
    return query + "&hash=" + digest


# --- hash links built in Python, checked by partner and by the hub ---
for name, quote_via in (("quote (%20)", quote), ("quote_plus (+)", quote_plus)):
    pairs = [(k, v + " " + name if k == "accountid" else v) for k, v in PAIRS]
    query = python_link(pairs, quote_via)

    def partner_accepts(query=query, pairs=pairs):
        out = verify(HUB + "?" + query)
        if out.returncode != 0:
            return (False, "exit %d: %s" % (out.returncode, out.stderr.strip()))
        got = [tuple(p) for p in json.loads(out.stdout)["params"]]
        return (got[:-1] == pairs and got[-1][0] == "timestamp", "decoded %r" % got)

    c.step("Python urlencode+%s hash link: partner blendr verify accepts it, values decoded" % name, partner_accepts)
    r = hub_get(query)
    c.check(r.status_code == 200, "Python urlencode+%s hash link: hub GET /sso -> 200" % name, "%d %s" % (r.status_code, r.text[:200]))
    r = hub_get(query)
    c.check(r.status_code == 403, "Python urlencode+%s hash link: hub refuses the same link twice (403)" % name, "%d" % r.status_code)
    tampered = query.replace("userid=u", "userid=x", 1)
    out = verify(HUB + "?" + tampered)
    c.check(out.returncode == 1 and "bad-signature" in out.stderr, "Python urlencode+%s hash link, a value changed: partner refuses" % name,
            "exit %d %s" % (out.returncode, out.stderr.strip()))
    r = hub_get(python_link(pairs, quote_via).replace("userid=u", "userid=x", 1))
    c.check(r.status_code == 403, "Python urlencode+%s hash link, a value changed: hub 403" % name, "%d" % r.status_code)

out = verify(HUB + "?" + python_link(PAIRS, quote_plus, ts=interop.now() - 3600))
c.check(out.returncode == 1 and "expired" in out.stderr, "Python hash link an hour old: partner refuses (expired)",
        "exit %d %s" % (out.returncode, out.stderr.strip()))

# --- hash links built by partner, checked in Python ---
for key_args, how in ((KEY_ARGS, "--api-key-env"), (["--api-key-file", KEY_FILE], "--api-key-file")):
    # Each link differs (the hub takes a link once, and both may share a timestamp).
    pairs = [(k, v + " " + how if k == "userid" else v) for k, v in PAIRS]
    args = ["blendr", "link", "--base-url", HUB] + sum((["--param", "%s=%s" % kv] for kv in pairs), []) + key_args
    out = interop.partner(*args, env=SECRET_ENV)
    link = out.stdout.strip()

    def python_accepts(link=link, out=out, pairs_in=pairs):
        if out.returncode != 0:
            return (False, "partner blendr link exit %d: %s" % (out.returncode, out.stderr.strip()))
        query = urlsplit(link).query
        signed, sep, digest = query.rpartition("&hash=")
        expected = hmac.new(KEY.encode("utf-8"), signed.encode("utf-8"), hashlib.sha256).hexdigest()
        pairs = parse_qsl(signed, keep_blank_values=True, strict_parsing=True)
        ok = (sep and hmac.compare_digest(expected, digest) and pairs[:-1] == pairs_in and pairs[-1][0] == "timestamp"
              and abs(int(pairs[-1][1]) - interop.now()) <= 30)
        return (ok, "link %s decoded %r" % (link, pairs))

    c.step("partner blendr link (%s): Python recomputes the HMAC over the raw query, parse_qsl gives the values" % how, python_accepts)
    r = hub_get(urlsplit(link).query)
    c.check(r.status_code == 200, "partner blendr link (%s): hub GET /sso -> 200" % how, "%d %s" % (r.status_code, r.text[:200]))

# --- JWTs: PyJWT -> partner and hub ---
NOW = interop.now()
FLAT = {"accountid": "acct-flat-\u00e9", "accountname": "ACME \u2713", "userid": "u1", "username": "J\u00f6hn \U0001f389",
        "useremail": "jon+tag@example.com", "iat": NOW}
NESTED = {"account": {"external_id": "acct-nested", "name": "Nested & Co \U0001f389"},
          "user": {"id": "u2", "email": "ann@example.com", "name": "Ann ~*+&="},
          "integration": {"api_key": "k-123", "settings": {"region": "eu", "flags": [1, 2, 3]}}, "iat": NOW}
JWT_CASES = [("flat, no exp", FLAT), ("flat, exp", dict(FLAT, exp=NOW + 300)),
             ("nested, no exp", NESTED), ("nested, exp", dict(NESTED, exp=NOW + 300))]
for what, claims in JWT_CASES:
    token = jwt.encode(claims, KEY, algorithm="HS256")

    def partner_reads(token=token, claims=claims):
        out = verify(token)
        if out.returncode != 0:
            return (False, "exit %d: %s" % (out.returncode, out.stderr.strip()))
        got = json.loads(out.stdout)
        return (got["kind"] == "jwt" and got["claims"] == claims, repr(got))

    c.step("PyJWT HS256 (%s): partner blendr verify accepts it, claims equal" % what, partner_reads)
    r = hub_get("jwt=" + token)
    c.check(r.status_code == 200, "PyJWT HS256 (%s): hub GET /sso?jwt= -> 200" % what, "%d %s" % (r.status_code, r.text[:200]))

def partner_reads_url():
    token = jwt.encode(dict(FLAT, userid="u-url"), KEY, algorithm="HS256")
    out = verify(HUB + "?jwt=" + token)
    return (out.returncode == 0 and json.loads(out.stdout)["claims"]["userid"] == "u-url", "exit %d %s %s" % (out.returncode, out.stdout, out.stderr))


c.step("PyJWT HS256 in a hub URL (/sso?jwt=...): partner blendr verify accepts it", partner_reads_url)
out = verify(jwt.encode(dict(FLAT, exp=NOW - 10), KEY, algorithm="HS256"))
c.check(out.returncode == 1 and "expired" in out.stderr, "PyJWT token past its exp: partner refuses (expired)",
        "exit %d %s" % (out.returncode, out.stderr.strip()))
out = verify(jwt.encode(FLAT, "another-key", algorithm="HS256"))
c.check(out.returncode == 1 and "bad-signature" in out.stderr, "PyJWT token with another key: partner refuses",
        "exit %d %s" % (out.returncode, out.stderr.strip()))
for alg in ("HS384", "HS512", "none"):
    token = jwt.encode(FLAT, None if alg == "none" else KEY, algorithm=alg)
    header = jwt.get_unverified_header(token)
    out = verify(token)
    c.check(header["alg"] == alg and out.returncode == 1 and "bad-signature" in out.stderr,
            "PyJWT alg %s token%s: partner refuses" % (alg, "" if alg == "none" else " (signed with the right key)"),
            "header %r exit %d %s" % (header, out.returncode, out.stderr.strip()))
    r = hub_get("jwt=" + token)
    c.check(r.status_code == 403, "PyJWT alg %s token: hub 403" % alg, "%d" % r.status_code)

# --- JWTs: partner -> PyJWT ---
for what, claims in JWT_CASES:
    claims = {k: v for k, v in claims.items() if k not in ("iat", "exp")}
    expires = "exp" in what
    claims_file = interop.write_file("claims.json", json.dumps(claims))
    args = ["blendr", "jwt", "--claims-file", claims_file] + (["--expires-in", "300"] if expires else []) + KEY_ARGS
    out = interop.partner(*args, env=SECRET_ENV)

    def pyjwt_reads(out=out, claims=claims, expires=expires):
        if out.returncode != 0:
            return (False, "partner blendr jwt exit %d: %s" % (out.returncode, out.stderr.strip()))
        token = out.stdout.strip()
        header = jwt.get_unverified_header(token)
        got = jwt.decode(token, KEY, algorithms=["HS256"], options={"require": ["iat", "exp"] if expires else ["iat"]})
        rest = {k: v for k, v in got.items() if k not in ("iat", "exp")}
        ok = (header.get("alg") == "HS256" and rest == claims and abs(got["iat"] - interop.now()) <= 30
              and (got.get("exp") == got["iat"] + 300 if expires else "exp" not in got))
        return (ok, "header %r claims %r" % (header, got))

    c.step("partner blendr jwt (%s): PyJWT jwt.decode(HS256) reads the claims" % what, pyjwt_reads)
    if out.returncode == 0:
        c.raises(lambda: jwt.decode(out.stdout.strip(), "another-key", algorithms=["HS256"]), jwt.InvalidSignatureError,
                 "partner blendr jwt (%s): PyJWT with another key refuses it" % what)

c.finish()
