-- What the OpenID Provider handed out. A grant is one authorization of one client in
-- one browser session: its code, and the access and refresh tokens issued from it (the
-- refresh token family). A token is good only while its grant is unrevoked and the
-- session it came from still exists, so every way a session ends ends its tokens too.
-- Codes and tokens are stored only as hashes.
CREATE TABLE oidc_grants (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_pk BIGINT NOT NULL,
    session_hash TEXT NOT NULL,
    sid TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    auth_time BIGINT NOT NULL,
    amr TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX oidc_grants_session ON oidc_grants (session_hash);
CREATE INDEX oidc_grants_user ON oidc_grants (user_pk, revoked_at);

CREATE TABLE oidc_codes (
    code_hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- kind: 'access' or 'refresh'. A refresh token is used once (rotation): presenting it
-- again revokes its grant, the whole family.
CREATE TABLE oidc_tokens (
    token_hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX oidc_tokens_grant ON oidc_tokens (grant_id);

-- Back-channel logouts to deliver: one per client and session, sent by a background
-- worker so that ending a session never waits on a module.
CREATE TABLE oidc_logouts (
    client_id TEXT NOT NULL,
    sid TEXT NOT NULL,
    user_pk BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, sid)
);

-- How the second factor was proven (RFC 8176 method values), for the ID token's amr.
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '';
