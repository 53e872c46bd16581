"""python-ovh (the official OVHcloud Python SDK, PyPI `ovh` 1.2.0) against
`partner mock ovhcloud`, which this script starts itself, and python-ovh's
own signature computation against `partner ovhcloud sign`.

Contract (README.md): env PARTNER = the partner binary; no arguments; one
line per check on stdout; exit 1 if any check failed.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import interop  # noqa: E402

# python-ovh reads OVH_* variables and ovh.conf files for anything not
# passed: start from a clean slate so only the arguments count.
for name in [n for n in os.environ if n.startswith("OVH_")]:
    del os.environ[name]

import requests  # noqa: E402
import ovh  # noqa: E402
import ovh.client  # noqa: E402
from ovh.exceptions import (  # noqa: E402
    BadParametersError,
    InvalidCredential,
    InvalidRegion,
    NotCredential,
    NotGrantedCall,
    ResourceNotFoundError,
)

c = interop.Checks()
line = interop.start_mock("ovhcloud")
BASE = line["base_url"]  # http://127.0.0.1:<port>/1.0
ROOT = BASE.rsplit("/1.0", 1)[0]
AK, AS = line["application_key"], line["application_secret"]

# python-ovh 1.2.0 takes named endpoints only (ENDPOINTS); a URL is refused.
c.raises(lambda: ovh.Client(endpoint=BASE, application_key=AK, application_secret=AS),
         InvalidRegion, "python-ovh 1.2.0 takes named endpoints only: the fake is registered as one")
ovh.client.ENDPOINTS["interop-fake"] = BASE


def client(consumer_key=None, secret=AS):
    return ovh.Client(endpoint="interop-fake", application_key=AK, application_secret=secret,
                      consumer_key=consumer_key, timeout=10)


def error_code(e):
    try:
        return e.response.json().get("errorCode")
    except Exception:  # noqa: BLE001
        return None


def consent(url, action):
    return requests.post(url, data={"action": action}, timeout=10, allow_redirects=False)


# --- credential request with rules, consent page, validation ---
app = client()
req = app.new_consumer_key_request()
req.add_rules(ovh.API_READ_ONLY, "/me")
req.add_recursive_rules(ovh.API_READ_WRITE, "/domain/zone/example.com")
req.add_rules(ovh.API_READ_ONLY, "/v2/iam/resource")
asked = req.request()
CK = asked.get("consumerKey", "")
c.check(asked.get("state") == "pendingValidation" and CK and asked.get("validationUrl", "").startswith(ROOT + "/auth/"),
        "ConsumerKeyRequest with add_rules + add_recursive_rules: pendingValidation", repr(asked))
page = requests.get(asked["validationUrl"], timeout=10)
c.check(page.status_code == 200 and "<code>DELETE</code> <code>/domain/zone/example.com/*</code>" in page.text
        and "<code>GET</code> <code>/domain/zone/example.com</code>" in page.text and 'value="authorize"' in page.text,
        "consent page lists the recursive rules and offers Authorize", "%d %s" % (page.status_code, page.text[:300]))
customer = client(CK)
c.raises(lambda: customer.get("/me"), InvalidCredential, "pending key: InvalidCredential (INVALID_CREDENTIAL)",
         lambda e: error_code(e) == "INVALID_CREDENTIAL")
r = consent(asked["validationUrl"], "authorize")
c.check(r.status_code == 200 and "granted" in r.text, "POST action=authorize to the validationUrl",
        "%d %s" % (r.status_code, r.text[:200]))
r = consent(asked["validationUrl"], "authorize")
c.check(r.status_code == 404, "the validationUrl works once", "second POST answered %d" % r.status_code)

# --- signed calls ---
c.step("signed GET /me", lambda: (lambda me: (me.get("nichandle") == "xx1234-ovh", repr(me)))(customer.get("/me")))

# Record the request python-ovh actually sends (passed through to the fake),
# to recompute its signature with `partner ovhcloud sign`.
sent = []
_real_request = customer._session.request


def recording_request(method, url, headers=None, data=None, **kw):
    sent.append({"method": method, "url": url, "headers": dict(headers or {}), "body": data})
    return _real_request(method, url, headers=headers, data=data, **kw)


customer._session.request = recording_request
SUB, TARGET = "zo\u00eb &=~*+ \U0001f389", "\u00fcn\u00efcode \u2713 \U0001f389"
record = {}


def post_record():
    record.update(customer.post("/domain/zone/example.com/record", fieldType="TXT", subDomain=SUB, target=TARGET))
    return (record.get("subDomain") == SUB and record.get("target") == TARGET and "id" in record, repr(record))


c.step("POST with a non-ASCII + emoji JSON body", post_record)
customer._session.request = _real_request


def sent_signature_matches():
    s = sent[-1]
    body = interop.write_file("sent-body", s["body"] or "")
    ck = interop.write_file("ck", CK)
    out = interop.partner("ovhcloud", "sign", "--method", s["method"], "--url", s["url"], "--body-file", body,
                          "--timestamp", s["headers"]["X-Ovh-Timestamp"], "--app-secret-env", "IOP_OVH_AS",
                          "--consumer-key-file", ck, env={"IOP_OVH_AS": AS})
    ours, theirs = out.stdout.strip(), s["headers"]["X-Ovh-Signature"]
    return (out.returncode == 0 and ours == theirs, "sdk %s, partner %s (exit %d, %s)" % (theirs, ours, out.returncode, out.stderr.strip()))


c.step("X-Ovh-Signature python-ovh sent == partner ovhcloud sign (same URL, body, timestamp)", sent_signature_matches)
RID = record.get("id")
c.step("signed GET with query parameters (&=~*+, non-ASCII, emoji; quote_plus encoded)",
       lambda: (lambda ids: (ids == [RID], repr(ids)))(customer.get("/domain/zone/example.com/record", fieldType="TXT", subDomain=SUB)))
c.step("signed GET with query parameters: a filter matching nothing gives []",
       lambda: (lambda ids: (ids == [], repr(ids)))(customer.get("/domain/zone/example.com/record", subDomain=SUB + "x")))
c.step("signed GET with the query written in the path (?subDomain=...&fieldType=TXT)",
       lambda: (lambda ids: (ids == [RID], repr(ids)))(customer.get("/domain/zone/example.com/record?fieldType=TXT&subDomain=zo%C3%AB%20%26%3D~*%2B%20%F0%9F%8E%89")))


def put_then_get():
    out = customer.put("/domain/zone/example.com/record/%s" % RID, target="chang\u00e9 \u2713")
    got = customer.get("/domain/zone/example.com/record/%s" % RID)
    return (out is None and got.get("target") == "chang\u00e9 \u2713", repr((out, got)))


c.step("PUT (then GET reads the change)", put_then_get)
c.step("DELETE", lambda: (lambda out: (out is None, repr(out)))(customer.delete("/domain/zone/example.com/record/%s" % RID)))
c.raises(lambda: customer.get("/domain/zone/example.com/record/%s" % RID), ResourceNotFoundError,
         "GET after DELETE: ResourceNotFoundError (404)")
c.step("signed GET on a /v2 path (/v2/iam/resource)",
       lambda: (lambda res: (isinstance(res, list) and any(r.get("id") == "example.com" for r in res), repr(res)))(customer.get("/v2/iam/resource")))
c.raises(lambda: customer.get("/domain/zone"), NotGrantedCall, "outside the rules: NotGrantedCall (NOT_GRANTED_CALL)",
         lambda e: error_code(e) == "NOT_GRANTED_CALL")
c.raises(lambda: customer.post("/me"), NotGrantedCall, "a method outside the rules (POST /me): NotGrantedCall")
c.raises(lambda: client(CK, secret="wrong-secret").get("/me"), BadParametersError,
         "wrong application secret: 400 INVALID_SIGNATURE", lambda e: error_code(e) == "INVALID_SIGNATURE")

# --- the local clock 2 hours off: the SDK signs with the server's delta ---
REAL_TIME = time.time


class SkewedTime:
    """`time` as python-ovh sees it, with time.time() shifted."""

    def __init__(self, offset):
        self.offset = offset

    def __getattr__(self, name):
        return getattr(time, name)

    def time(self):
        return REAL_TIME() + self.offset


for offset in (7200, -7200):
    ovh.client.time = SkewedTime(offset)
    try:
        skewed = client(CK)
        c.step("local clock %+d s: signed GET /me still succeeds" % offset,
               lambda: (lambda me: (me.get("nichandle") == "xx1234-ovh", repr(me)))(skewed.get("/me")))
        c.check(abs(skewed.time_delta + offset) <= 5, "local clock %+d s: time_delta from /auth/time is %+d" % (offset, -offset),
                "time_delta %r" % skewed.time_delta)
        skewed._time_delta = 0  # control: without the delta, the skewed clock is refused
        c.raises(lambda: skewed.get("/me"), BadParametersError,
                 "local clock %+d s without the delta: 400 QUERY_TIME_OUT" % offset,
                 lambda e: error_code(e) == "QUERY_TIME_OUT")
    finally:
        ovh.client.time = time

# --- narrow key: currentCredential, logout, then NOT_CREDENTIAL ---
narrow = client()
asked = narrow.request_consumerkey([{"method": "GET", "path": "/me"}])
r = consent(asked["validationUrl"], "authorize")
c.check(r.status_code == 200, "narrow key (GET /me only) authorized", "%d" % r.status_code)


def current_credential():
    cred = narrow.get("/auth/currentCredential")
    ok = cred.get("status") == "validated" and cred.get("rules") == [{"method": "GET", "path": "/me"}]
    return (ok, repr(cred))


c.step("GET /auth/currentCredential with the narrow key (status, rules)", current_credential)
c.raises(lambda: narrow.get("/domain/zone"), NotGrantedCall, "narrow key: GET /domain/zone is NotGrantedCall")
c.step("POST /auth/logout", lambda: (lambda out: (out is None, repr(out)))(narrow.post("/auth/logout")))
c.raises(lambda: narrow.get("/me"), NotCredential, "after logout: NotCredential (NOT_CREDENTIAL)",
         lambda e: error_code(e) == "NOT_CREDENTIAL")

# --- a key the customer refused ---
refused = client()
asked = refused.request_consumerkey([{"method": "GET", "path": "/me"}])
r = consent(asked["validationUrl"], "refuse")
c.check(r.status_code == 200 and "refused" in r.text, "POST action=refuse to the validationUrl", "%d" % r.status_code)
c.raises(lambda: refused.get("/me"), InvalidCredential, "refused key: InvalidCredential (INVALID_CREDENTIAL)",
         lambda e: error_code(e) == "INVALID_CREDENTIAL")

# --- python-ovh's signature computation vs `partner ovhcloud sign` on the shared cases ---
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "ovh-signing-cases.json"), encoding="utf-8") as f:
    CASES = json.load(f)


class Captured(Exception):
    pass


def capture(method, url, headers=None, data=None, **kw):
    # Nothing is sent anywhere: raw_call's request is stopped here.
    raise Captured({"method": method, "url": url, "headers": dict(headers or {}), "body": data})




def signer_for(base):
    ovh.client.ENDPOINTS["interop-sign"] = base + "/1.0"
    signer = ovh.Client(endpoint="interop-sign", application_key="interop-ak",
                        application_secret=CASES["application_secret"], consumer_key=CASES["consumer_key"])
    signer._time_delta = 0  # never asks /auth/time
    signer._session.request = capture  # never sends anything
    return signer

SECRETS = {"IOP_SIGN_AS": CASES["application_secret"], "IOP_SIGN_CK": CASES["consumer_key"]}


def compare(case):
    path, base = case["path"], case.get("base", CASES["base"])
    signer = signer_for(base)
    rel = path[len("/1.0"):] if path.startswith("/1.0/") else path
    ovh.client.time = SkewedTime(CASES["timestamp"] - REAL_TIME())
    try:
        signer.raw_call(case["method"], rel, data=case.get("data"))
        return (False, "raw_call was not captured")
    except Captured as e:
        got = e.args[0]
    finally:
        ovh.client.time = time
    if got["url"] != base + path:
        return (False, "python-ovh signed %r, expected %r" % (got["url"], base + path))
    body = interop.write_file("case-body", got["body"] or "")
    out = interop.partner("ovhcloud", "sign", "--method", case["method"], "--url", got["url"], "--body-file", body,
                          "--timestamp", got["headers"]["X-Ovh-Timestamp"], "--app-secret-env", "IOP_SIGN_AS",
                          "--consumer-key-env", "IOP_SIGN_CK", env=SECRETS)
    theirs, ours = got["headers"]["X-Ovh-Signature"], out.stdout.strip()
    ok = out.returncode == 0 and theirs == ours and got["headers"]["X-Ovh-Timestamp"] == str(CASES["timestamp"])
    if "expect" in case:
        ok = ok and ours == case["expect"]
    return (ok, "python-ovh %s, partner %s (exit %d %s)" % (theirs, ours, out.returncode, out.stderr.strip()))


for case in CASES["cases"]:
    if "raw_body" in case:
        continue  # python-ovh always serializes the body itself: node-ovh's signRequest covers raw bodies
    c.step("python-ovh Client.raw_call signature == partner ovhcloud sign: " + case["what"], lambda case=case: compare(case))

c.finish()
