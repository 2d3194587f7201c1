-- Push approval and device binding (SPSE Authenticator).
ALTER TABLE totp_activations ADD COLUMN enroll_hash TEXT;
ALTER TABLE totp_activations ADD COLUMN session_hash TEXT;
ALTER TABLE totp_activations ADD COLUMN completed_at BIGINT;
CREATE UNIQUE INDEX totp_activations_enroll ON totp_activations (enroll_hash);

ALTER TABLE users ADD COLUMN approvals_paused_until BIGINT NOT NULL DEFAULT 0;

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_pk BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    public_key TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX devices_user ON devices (user_pk);

CREATE TABLE api_nonces (
    device_key TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (device_key, nonce)
);
CREATE INDEX api_nonces_expiry ON api_nonces (expires_at);

CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    user_pk BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_hash TEXT NOT NULL,
    number BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'not_me', 'used')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    decided_at BIGINT,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX approvals_user ON approvals (user_pk, state);
CREATE INDEX approvals_session ON approvals (session_hash);
