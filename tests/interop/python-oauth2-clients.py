# Standard Python OAuth2 clients (requests-oauthlib 2.0.0, authlib 1.3.2) on their
# defaults against `partner mock cloud66`, `partner mock cheetah` and
# `partner mock ovhcloud`. Arguments: the JSON line each mock printed.
# Exit status 1 when a check fails.
import json, os, sys, urllib.parse
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
import requests
from requests_oauthlib import OAuth2Session
from oauthlib.oauth2 import BackendApplicationClient
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession

c66 = json.loads(sys.argv[1]); ch = json.loads(sys.argv[2]); ovh = json.loads(sys.argv[3])
ok = fail = 0
def check(cond, what):
    global ok, fail
    print(("ok   " if cond else "FAIL ") + what); ok += bool(cond); fail += (not cond)

def code_from(url):
    r = requests.get(url, allow_redirects=False)
    q = urllib.parse.parse_qs(urllib.parse.urlparse(r.headers["location"]).query)
    return r.headers["location"], q

# requests-oauthlib, authorization code (Cloud 66)
s = OAuth2Session(c66["client_id"], redirect_uri=c66["redirect_uri"], scope=["public"])
url, state = s.authorization_url(c66["base_url"] + "/oauth/authorize")
loc, q = code_from(url)
check(q.get("state") == [state], "requests-oauthlib: state echoed")
tok = s.fetch_token(c66["base_url"] + "/oauth/token", client_secret=c66["client_secret"], authorization_response=loc)
check("access_token" in tok, "requests-oauthlib: code exchanged (defaults)")
check(s.get(c66["api_base_url"] + "/stacks").status_code == 200, "requests-oauthlib: API call with the token")
# authlib, authorization code (Cloud 66)
a = AuthlibSession(c66["client_id"], c66["client_secret"], redirect_uri=c66["redirect_uri"], scope="public")
url, state = a.create_authorization_url(c66["base_url"] + "/oauth/authorize")
loc, q = code_from(url)
tok = a.fetch_token(c66["base_url"] + "/oauth/token", authorization_response=loc)
check("access_token" in tok, "authlib: code exchanged (defaults: client_secret_basic)")
check(a.get(c66["api_base_url"] + "/stacks").status_code == 200, "authlib: API call with the token")
# requests-oauthlib, client credentials (Cheetah)
s = OAuth2Session(client=BackendApplicationClient(client_id=ch["client_id"]))
tok = s.fetch_token(ch["base_url"] + "/oauth/token", client_id=ch["client_id"], client_secret=ch["client_secret"])
check("access_token" in tok, "requests-oauthlib: client credentials (Cheetah)")
a = AuthlibSession(ch["client_id"], ch["client_secret"])
tok = a.fetch_token(ch["base_url"] + "/oauth/token", grant_type="client_credentials")
check("access_token" in tok, "authlib: client credentials (Cheetah)")
# OVH service account token URL
a = AuthlibSession(ovh["service_account"]["client_id"], ovh["service_account"]["client_secret"], scope="all")
tok = a.fetch_token(ovh["token_url"], grant_type="client_credentials")
check("access_token" in tok, "authlib: client credentials (OVHcloud)")
# wrong secret via Basic -> 401 + WWW-Authenticate
r = requests.post(ch["base_url"] + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(ch["client_id"], "wrong"))
check(r.status_code == 401 and r.headers.get("www-authenticate", "").startswith("Basic"), "401 + WWW-Authenticate: Basic")
check(r.headers.get("cache-control") == "no-store" and r.headers.get("pragma") == "no-cache", "no-store / no-cache")
print(f"{ok} passed, {fail} failed"); sys.exit(1 if fail else 0)
