#!/usr/bin/env python3
"""Writes tests/vectors/<provider>/<kind>-empty-key.json.

An empty key is refused everywhere (`malformed`), never used: anyone can
compute an HMAC, a SHA-1 pre-image or an AES key derived from it. Each case
is otherwise valid under the empty key, computed here with Python's hmac and
hashlib (not with this project's code), so a verifier that accepted an empty
key would answer with a value instead of the error.
Run from the repository root: python3 tests/vector-generators/empty_keys.py
"""
import base64
import hashlib
import hmac
import json
import os

HERE = os.path.dirname(__file__)
SRC = ("generated with tests/vector-generators/empty_keys.py: Python hmac and hashlib "
       "(not with this project's code); rule: empty keys are refused as malformed")
NOW = 1700000000


def write(provider, kind, cases):
    doc = {"format": 1, "provider": provider, "kind": kind, "source": SRC, "cases": cases}
    path = os.path.join(HERE, "..", "vectors", provider, kind + "-empty-key.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


def hexmac(key, msg):
    return hmac.new(key.encode(), msg.encode(), hashlib.sha256).hexdigest()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


REFUSED = {"error": "malformed"}

# Blendr: the forgery, a hash link signed with the empty key.
q = f"accountid=admin&timestamp={NOW}"
write("blendr", "sso-hash", [{"name": "empty-key", "input": {"api_key": "", "query": q}, "expect": REFUSED}])
write("blendr", "sso-link", [{"name": "empty-key", "input": {
    "api_key": "", "base_url": "https://acme.admin.blendr.io/sso", "params": [["accountid", "admin"]],
    "timestamp": NOW}, "expect": REFUSED}])
write("blendr", "sso-verify", [{"name": "forged-with-empty-key", "input": {
    "api_key": "", "query": f"{q}&hash={hexmac('', q)}", "now": NOW}, "expect": REFUSED}])
header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
payload = b64url(json.dumps({"accountid": "admin", "iat": NOW}, separators=(",", ":")).encode())
sig = b64url(hmac.new(b"", f"{header}.{payload}".encode(), hashlib.sha256).digest())
write("blendr", "sso-jwt-verify", [{"name": "forged-with-empty-key", "input": {
    "api_key": "", "jwt": f"{header}.{payload}.{sig}", "now": NOW}, "expect": REFUSED}])

# Teapplix: a launch URL signed with the empty key.
uri = f"/h/acme/te/lo.cgi?Action=Launch&pt=tok&ts={NOW}"
write("teapplix", "launch-url", [{"name": "empty-key", "input": {
    "signature_key": "", "base_url": "https://app.teapplix.com", "client_vhost": "acme",
    "access_token": "tok", "ts": NOW}, "expect": REFUSED}])
write("teapplix", "launch-verify", [{"name": "forged-with-empty-key", "input": {
    "signature_key": "", "url": f"https://app.teapplix.com{uri}&signature={hexmac('', uri)}", "now": NOW},
    "expect": REFUSED}])

# OVHcloud: an empty application secret or consumer key.
def ovh_sig(a_s, ck, method, url, body, ts):
    return "$1$" + hashlib.sha1("+".join([a_s, ck, method, url, body, str(ts)]).encode()).hexdigest()


url = "https://eu.api.ovh.com/1.0/me"
cases = []
for name, a_s, ck in [("empty-application-secret", "", "ck"), ("empty-consumer-key", "as", "")]:
    cases.append({"name": name, "input": {"application_secret": a_s, "consumer_key": ck, "method": "GET",
                  "url": url, "body": "", "timestamp": NOW}, "expect": REFUSED})
write("ovhcloud", "request-signature", cases)
cases = []
for name, a_s, ck in [("empty-application-secret", "", "ck"), ("empty-consumer-key", "as", "")]:
    cases.append({"name": name, "input": {"application_secret": a_s, "consumer_key": ck, "method": "GET",
                  "url": url, "body": "", "timestamp": NOW, "signature": ovh_sig(a_s, ck, "GET", url, "", NOW),
                  "now": NOW}, "expect": REFUSED})
write("ovhcloud", "verify-signature", cases)

# Cloud 66: the gem's scheme with an empty API key (the AES key would follow
# from the site key alone).
write("cloud66", "multipass-encode", [{"name": "entp-empty-api-key", "input": {
    "scheme": "entp", "site_key": "my_site_key", "api_key": "", "payload_json": "{}"}, "expect": REFUSED}])
