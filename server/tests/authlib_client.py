"""A second, independent OpenID Connect client: Python's authlib, driven by
server/tests/api/oidc_authlib.rs. It discovers the provider, builds the authorization
request (PKCE S256, state, nonce), prints it, reads back where the login returned the
browser, redeems the code (client_secret_post), checks the ID token against the JWKS,
asks userinfo and refreshes. The last line is `OK {json}` or the script fails."""

import json
import os
import sys

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt

issuer = os.environ["OIDC_ISSUER"]
client_id = os.environ["OIDC_CLIENT_ID"]
secret = os.environ["OIDC_CLIENT_SECRET"]
redirect_uri = os.environ["OIDC_REDIRECT_URI"]

meta = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
assert meta["issuer"] == issuer, meta["issuer"]
assert "S256" in meta["code_challenge_methods_supported"]

session = OAuth2Session(
    client_id,
    secret,
    scope="openid profile email",
    redirect_uri=redirect_uri,
    code_challenge_method="S256",
    token_endpoint_auth_method="client_secret_post",
)
verifier = generate_token(48)
nonce = generate_token(20)
url, state = session.create_authorization_url(
    meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
)
print("AUTHORIZE " + url, flush=True)
callback = sys.stdin.readline().strip()

token = session.fetch_token(
    meta["token_endpoint"],
    authorization_response=callback,
    code_verifier=verifier,
    state=state,
)
keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
claims = jwt.decode(
    token["id_token"],
    keys,
    claims_options={
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "nonce": {"essential": True, "value": nonce},
    },
)
# The server's clock is pinned by the test: check the times against the token's own.
claims.validate(now=claims["iat"])
info = session.get(meta["userinfo_endpoint"], timeout=10).json()
assert info["sub"] == claims["sub"], (info, claims)
refreshed = session.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
assert refreshed["refresh_token"] != token["refresh_token"]
print(
    "OK "
    + json.dumps(
        {
            "preferred_username": claims["preferred_username"],
            "amr": claims["amr"],
            "userinfo_username": info["preferred_username"],
            "kind": info["urn:spse:claims:account_kind"],
        }
    ),
    flush=True,
)
