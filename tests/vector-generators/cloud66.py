#!/usr/bin/env python3
"""Writes tests/vectors/cloud66/*-more.json.

Independent of the Rust code: pyca/cryptography (AES-128-CBC, PKCS#7),
Python hashlib and base64, following docs/conformance.md's multipass rules and the
Ruby multipass gem's encoding (standard base64, +/ -> -_, one trailing '='
removed). Run from the repository root: python3 tests/vector-generators/cloud66.py
"""
import base64
import hashlib
import json
import os
import urllib.parse

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

OUT = os.path.join(os.path.dirname(__file__), "..", "vectors", "cloud66")
SRC = ("generated with tests/vector-generators/cloud66.py: pyca/cryptography, hashlib, base64 "
       "(not with this project's code); rules from docs/conformance.md and the Ruby multipass gem")
UID = "0123456789abcdefFEDCBA9876543210"


def write(kind, cases, note=""):
    doc = {"format": 1, "provider": "cloud66", "kind": kind, "source": SRC + note, "cases": cases}
    with open(os.path.join(OUT, kind + "-more.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


def encrypt(key, data):
    p = padding.PKCS7(128).padder()
    padded = p.update(data) + p.finalize()
    e = Cipher(algorithms.AES(key), modes.CBC(b"\0" * 16)).encryptor()
    return e.update(padded) + e.finalize()


def gem_b64(ct):
    t = base64.b64encode(ct).decode().replace("+", "-").replace("/", "_")
    return t[:-1] if t.endswith("=") else t


def c66(uid, payload):
    token = gem_b64(encrypt(uid[:16].encode(), payload.encode()))
    sig = hashlib.sha256((uid[16:] + token).encode()).hexdigest()
    return token, sig


def entp(site, api, payload):
    key = hashlib.sha1((api + site).encode()).digest()[:16]
    return gem_b64(encrypt(key, payload.encode()))


# multipass-encode
cases = []
for name, payload in [
    ("short-payload", '{"email":"a@b.co"}'),
    ("block-aligned-payload", '{"k":"' + "x" * 8 + '"}'),  # 16 bytes: a whole padding block is added
    ("unicode-payload", '{"email":"zo\u00eb@ex\u00e4mple.de","name":"Zo\u00eb \U0001F600","expires":"2030-01-01 00:00:00 UTC"}'),
    ("two-padding-chars", '{"a":1}'),
]:
    token, sig = c66(UID, payload)
    cases.append({"name": name, "input": {"scheme": "cloud66", "uid": UID, "payload_json": payload},
                  "expect": {"multipass": token, "signature": sig}})
for name, site, api, payload in [
    ("entp-other-keys", "acme", "k3y", '{"email":"jon@smith.com","expires":"2015-05-19 16:24:48 UTC"}'),
    ("entp-empty-object", "s", "a", "{}"),
]:
    cases.append({"name": name, "input": {"scheme": "entp", "site_key": site, "api_key": api, "payload_json": payload},
                  "expect": {"multipass": entp(site, api, payload)}})
cases.append({"name": "uid-too-short", "input": {"scheme": "cloud66", "uid": "abc", "payload_json": "{}"}, "expect": {"error": "malformed"}})
write("multipass-encode", cases)

# multipass-decode
cases = []
NOW = 1700000000


def dec(name, payload, expect, uid=UID, now=NOW, transform=None, sig=None, **opt):
    token, good = c66(uid, payload)
    if transform:
        # The signature covers the token as sent, so it is taken over the transformed text.
        token = transform(token)
        good = hashlib.sha256((uid[16:] + token).encode()).hexdigest()
    inp = {"scheme": "cloud66", "uid": UID, "multipass": token, "signature": good if sig is None else sig, "now": now}
    inp.update(opt)
    cases.append({"name": name, "input": inp, "expect": expect})


p_utc = {"email": "a@b.co", "name": "A", "expires": "2023-11-14 22:14:20 UTC"}  # 1700000060
dec("ruby-utc", json.dumps(p_utc), {"payload": p_utc})
p_off = {"email": "a@b.co", "expires": "2023-11-14 23:14:20 +0100"}
dec("ruby-offset", json.dumps(p_off), {"payload": p_off})
p_rfc = {"email": "a@b.co", "expires": "2023-11-14T22:14:20Z"}
dec("rfc3339", json.dumps(p_rfc), {"payload": p_rfc})
p_int = {"email": "a@b.co", "expires": NOW + 60}
dec("integer-seconds", json.dumps(p_int), {"payload": p_int})
p_edge = {"email": "a@b.co", "expires": NOW - 30}
dec("within-skew", json.dumps(p_edge), {"payload": p_edge})
dec("past-skew", json.dumps({"email": "a@b.co", "expires": NOW - 31}), {"error": "expired"})
dec("custom-skew", json.dumps({"email": "a@b.co", "expires": NOW - 5}), {"error": "expired"}, max_skew_secs=4)
dec("no-expiry", json.dumps({"email": "a@b.co"}), {"error": "malformed"})
dec("empty-expiry", json.dumps({"email": "a@b.co", "expires": ""}), {"error": "malformed"})
dec("no-expiry-allowed", json.dumps({"email": "a@b.co"}), {"payload": {"email": "a@b.co"}}, allow_missing_expiry=True)
dec("not-an-object", "[1,2,3]", {"error": "malformed"})
dec("uppercase-signature", json.dumps(p_utc), {"payload": p_utc}, sig=c66(UID, json.dumps(p_utc))[1].upper())
dec("standard-alphabet-and-padding", json.dumps(p_utc), {"payload": p_utc},
    transform=lambda t: t.replace("-", "+").replace("_", "/") + "=" * ((4 - len(t) % 4) % 4))
# The signature covers the token as sent: re-encoding it breaks the signature.
dec("wrong-signature", json.dumps(p_utc), {"error": "bad-signature"}, sig="0" * 64)
dec("signature-of-other-token", json.dumps(p_utc), {"error": "bad-signature"}, sig=c66(UID, "{}")[1])
bad_key_token, _ = c66("ffffffffffffffff" + UID[16:], json.dumps(p_utc))
cases.append({"name": "encrypted-with-other-key", "input": {"scheme": "cloud66", "uid": UID, "multipass": bad_key_token,
              "signature": hashlib.sha256((UID[16:] + bad_key_token).encode()).hexdigest(), "now": NOW},
              "expect": {"error": "bad-signature"}})
not_b64 = "not*base64!"
cases.append({"name": "signed-but-not-base64", "input": {"scheme": "cloud66", "uid": UID, "multipass": not_b64,
              "signature": hashlib.sha256((UID[16:] + not_b64).encode()).hexdigest(), "now": NOW},
              "expect": {"error": "malformed"}})
cases.append({"name": "garbage-with-bad-signature", "input": {"scheme": "cloud66", "uid": UID, "multipass": not_b64,
              "signature": "x", "now": NOW}, "expect": {"error": "bad-signature"}})
ent = entp("my_site_key", "my_super_secret_key_shh", json.dumps(p_utc))
cases.append({"name": "entp-scheme", "input": {"scheme": "entp", "site_key": "my_site_key", "api_key": "my_super_secret_key_shh",
              "multipass": ent, "now": NOW}, "expect": {"payload": p_utc}})

# The unsigned entp scheme (docs/conformance.md): every failure after base64 decoding is
# bad-signature, so the answer cannot serve as a padding oracle; malformed stays
# for text that is not base64 and for an object without a usable expires.
ES, EA = "my_site_key", "my_super_secret_key_shh"
ekey = hashlib.sha1((EA + ES).encode()).digest()[:16]


def entp_case(name, multipass, expect):
    cases.append({"name": name, "input": {"scheme": "entp", "site_key": ES, "api_key": EA,
                  "multipass": multipass, "now": NOW}, "expect": expect})


def raw_cbc(key, data):
    e = Cipher(algorithms.AES(key), modes.CBC(b"\0" * 16)).encryptor()
    return e.update(data) + e.finalize()


entp_case("entp-not-json", gem_b64(encrypt(ekey, b"not json at all")), {"error": "bad-signature"})
entp_case("entp-not-an-object", gem_b64(encrypt(ekey, b'["a",1]')), {"error": "bad-signature"})
entp_case("entp-not-utf8", gem_b64(encrypt(ekey, b'{"email":"\xff\xfe"}')), {"error": "bad-signature"})
entp_case("entp-lone-surrogate", gem_b64(encrypt(ekey, b'{"email":"\\ud800","expires":1700000060}')),
          {"error": "bad-signature"})
entp_case("entp-expires-not-a-time", gem_b64(encrypt(ekey, b'{"expires":"tomorrow"}')), {"error": "bad-signature"})
# Padding bytes that are not PKCS#7: last byte 0x00, and 0x05 over bytes that differ.
entp_case("entp-bad-padding-zero", gem_b64(raw_cbc(ekey, b'{"a":1}' + b"\x00" * 9)), {"error": "bad-signature"})
entp_case("entp-bad-padding-mixed", gem_b64(raw_cbc(ekey, b'{"expires":1}' + b"\x01\x02\x05")), {"error": "bad-signature"})
entp_case("entp-not-whole-blocks", gem_b64(encrypt(ekey, b"{}")[:15]), {"error": "bad-signature"})
entp_case("entp-other-keys", gem_b64(encrypt(hashlib.sha1(b"otherkey").digest()[:16], json.dumps(p_utc).encode())),
          {"error": "bad-signature"})
entp_case("entp-no-expiry", gem_b64(encrypt(ekey, b'{"email":"a@b.co"}')), {"error": "malformed"})
entp_case("entp-empty-expiry", gem_b64(encrypt(ekey, b'{"email":"a@b.co","expires":""}')), {"error": "malformed"})
entp_case("entp-not-base64", "not*base64!", {"error": "malformed"})
entp_case("entp-expired", gem_b64(encrypt(ekey, json.dumps({"email": "a@b.co", "expires": NOW - 31}).encode())),
          {"error": "expired"})
# Any spelling of the same ciphertext decodes (standard alphabet, padding, white space).
respelled = ent.replace("-", "+").replace("_", "/") + "=" * ((4 - len(ent) % 4) % 4)
entp_case("entp-standard-alphabet-padded", respelled[:8] + "\n " + respelled[8:], {"payload": p_utc})
write("multipass-decode", cases, "; check order from docs/conformance.md (signature before decoding)")

# link-redirect
cases = []
H = ["app.cloud66.com"]


def lr(name, query, expect, hosts=H, base="https://partner.example.com/cloud66/link"):
    cases.append({"name": name, "input": {"url": base + "?" + query, "allowed_callback_hosts": hosts}, "expect": expect})


q = urllib.parse.urlencode
lr("encoded", q({"uid": "u-1", "email": "jon+c66@smith.com", "callback": "https://app.cloud66.com/integrations/x?step=2"}),
   {"uid": "u-1", "email": "jon+c66@smith.com", "callback": "https://app.cloud66.com/integrations/x?step=2"})
lr("other-allowed-host", q({"uid": "u", "email": "a@b.co", "callback": "https://eu.cloud66.com/cb"}),
   {"uid": "u", "email": "a@b.co", "callback": "https://eu.cloud66.com/cb"}, hosts=["app.cloud66.com", "eu.cloud66.com"])
lr("missing-uid", q({"email": "a@b.co", "callback": "https://app.cloud66.com/x"}), {"error": "malformed"})
lr("missing-email", q({"uid": "u", "callback": "https://app.cloud66.com/x"}), {"error": "malformed"})
lr("invalid-email", q({"uid": "u", "email": "not-an-email", "callback": "https://app.cloud66.com/x"}), {"error": "malformed"})
lr("http-callback", q({"uid": "u", "email": "a@b.co", "callback": "http://app.cloud66.com/x"}), {"error": "unsafe-input"})
lr("suffix-host", q({"uid": "u", "email": "a@b.co", "callback": "https://app.cloud66.com.evil.example/x"}), {"error": "unsafe-input"})
lr("userinfo-trick", q({"uid": "u", "email": "a@b.co", "callback": "https://app.cloud66.com@evil.example/x"}), {"error": "unsafe-input"})
lr("protocol-relative", q({"uid": "u", "email": "a@b.co", "callback": "//evil.example/x"}), {"error": "unsafe-input"})
lr("javascript", q({"uid": "u", "email": "a@b.co", "callback": "javascript:alert(1)"}), {"error": "unsafe-input"})
lr("subdomain-not-allowed", q({"uid": "u", "email": "a@b.co", "callback": "https://evil.app.cloud66.com/x"}), {"error": "unsafe-input"})
write("link-redirect", cases)
