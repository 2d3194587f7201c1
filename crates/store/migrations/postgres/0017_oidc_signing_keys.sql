-- The OpenID Provider's signing keys, shared by every instance. The private key is
-- sealed with the key file (as TOTP secrets are); the public JWK is kept in the clear
-- for the JWKS. The newest unretired key signs; a retired one stays published until
-- every token it signed has expired (`spse-auth keys rotate`).
CREATE TABLE oidc_signing_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    sealed_private BYTEA NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
