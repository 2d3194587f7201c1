-- The modules that log in through spse-auth (OpenID Connect relying parties). A
-- confidential client keeps only a keyed hash of its secret; a public one has none and
-- must use PKCE. Redirect URIs match exactly: one per line, each validated when added.
CREATE TABLE oidc_clients (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT,
    redirect_uris TEXT NOT NULL,
    backchannel_logout_uri TEXT,
    home_url TEXT,
    created_at BIGINT NOT NULL,
    secret_rotated_at BIGINT
);
