"""Standard Python OAuth2 clients (requests-oauthlib 2.0.0, authlib 1.3.2) on
their defaults: the authorization-code flow against `partner mock cloud66`,
client credentials against `partner mock cheetah` and `partner mock
ovhcloud`, and the RFC 6749 answers.

Contract (README.md): env PARTNER; no arguments; starts the three mocks
itself; one line per check on stdout; exit 1 if any check failed.
"""
import os, sys, urllib.parse
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import interop  # noqa: E402
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # the fakes are plain http on 127.0.0.1
import requests  # noqa: E402
from requests_oauthlib import OAuth2Session  # noqa: E402
from oauthlib.oauth2 import BackendApplicationClient  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession  # noqa: E402

c = interop.Checks()
c66 = interop.start_mock("cloud66"); ch = interop.start_mock("cheetah"); ovh = interop.start_mock("ovhcloud")



def code_from(url):
    r = requests.get(url, allow_redirects=False, timeout=10)
    if r.status_code not in (302, 303) or "location" not in r.headers:
        raise RuntimeError("authorize answered %d %s" % (r.status_code, r.text[:200]))
    q = urllib.parse.parse_qs(urllib.parse.urlparse(r.headers["location"]).query)
    return r.headers["location"], q


def has_token(tok):
    return ("access_token" in tok and tok.get("token_type", "").lower() == "bearer", repr({k: v for k, v in tok.items() if k != "access_token"}))


# requests-oauthlib, authorization code (Cloud 66)
s = OAuth2Session(c66["client_id"], redirect_uri=c66["redirect_uri"], scope=["public"])
url, state = s.authorization_url(c66["base_url"] + "/oauth/authorize")
flow = {}


def ro_authorize():
    flow["loc"], q = code_from(url)
    return (q.get("state") == [state] and "code" in q, repr(q))


c.step("requests-oauthlib: authorize redirects with a code and the state echoed", ro_authorize)
c.step("requests-oauthlib: code exchanged (defaults)",
       lambda: has_token(s.fetch_token(c66["base_url"] + "/oauth/token", client_secret=c66["client_secret"], authorization_response=flow["loc"])))
c.step("requests-oauthlib: API call with the token", lambda: (lambda r: (r.status_code == 200, "%d" % r.status_code))(s.get(c66["api_base_url"] + "/stacks", timeout=10)))
# authlib, authorization code (Cloud 66)
a = AuthlibSession(c66["client_id"], c66["client_secret"], redirect_uri=c66["redirect_uri"], scope="public")
url2, state2 = a.create_authorization_url(c66["base_url"] + "/oauth/authorize")


def al_authorize():
    flow["loc2"], q = code_from(url2)
    return (q.get("state") == [state2] and "code" in q, repr(q))


c.step("authlib: authorize redirects with a code and the state echoed", al_authorize)
c.step("authlib: code exchanged (defaults: client_secret_basic)",
       lambda: has_token(a.fetch_token(c66["base_url"] + "/oauth/token", authorization_response=flow["loc2"])))
c.step("authlib: API call with the token", lambda: (lambda r: (r.status_code == 200, "%d" % r.status_code))(a.get(c66["api_base_url"] + "/stacks", timeout=10)))
c.step("authlib: the same code a second time is refused (invalid_grant)",
       lambda: (lambda r: (r.status_code == 400 and r.json().get("error") == "invalid_grant", "%d %s" % (r.status_code, r.text)))(
           requests.post(c66["base_url"] + "/oauth/token", timeout=10, auth=(c66["client_id"], c66["client_secret"]),
                         data={"grant_type": "authorization_code", "redirect_uri": c66["redirect_uri"],
                               "code": urllib.parse.parse_qs(urllib.parse.urlparse(flow["loc2"]).query)["code"][0]})))
# requests-oauthlib and authlib, client credentials (Cheetah)
s2 = OAuth2Session(client=BackendApplicationClient(client_id=ch["client_id"]))
c.step("requests-oauthlib: client credentials (Cheetah)",
       lambda: has_token(s2.fetch_token(ch["base_url"] + "/oauth/token", client_id=ch["client_id"], client_secret=ch["client_secret"])))
a2 = AuthlibSession(ch["client_id"], ch["client_secret"])
c.step("authlib: client credentials (Cheetah)", lambda: has_token(a2.fetch_token(ch["base_url"] + "/oauth/token", grant_type="client_credentials")))
# OVH service account token URL
a3 = AuthlibSession(ovh["service_account"]["client_id"], ovh["service_account"]["client_secret"], scope="all")
c.step("authlib: client credentials (OVHcloud service account)", lambda: has_token(a3.fetch_token(ovh["token_url"], grant_type="client_credentials")))
# wrong secret via Basic -> 401 + WWW-Authenticate
r = requests.post(ch["base_url"] + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(ch["client_id"], "wrong"), timeout=10)
c.check(r.status_code == 401 and r.headers.get("www-authenticate", "").startswith("Basic"), "wrong secret: 401 + WWW-Authenticate: Basic",
        "%d %r" % (r.status_code, r.headers.get("www-authenticate")))
c.check(r.headers.get("cache-control") == "no-store" and r.headers.get("pragma") == "no-cache", "wrong secret: no-store / no-cache",
        "%r %r" % (r.headers.get("cache-control"), r.headers.get("pragma")))
c.finish()
