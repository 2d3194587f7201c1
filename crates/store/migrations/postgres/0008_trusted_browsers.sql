-- Browsers that completed a two-factor login on an account (OWASP "device cookies"):
-- their password attempts are counted on their own counter, so a lock that guessing
-- from elsewhere puts on the account does not lock its owner out. Only the hash of the
-- cookie's random value is stored.
CREATE TABLE trusted_browsers (
    token_hash TEXT PRIMARY KEY,
    user_pk BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    password_failures BIGINT NOT NULL DEFAULT 0,
    password_locked_until BIGINT NOT NULL DEFAULT 0,
    password_lock_count BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX trusted_browsers_user ON trusted_browsers (user_pk);
