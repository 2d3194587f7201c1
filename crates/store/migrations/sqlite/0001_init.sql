CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    user_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('penyedia', 'non-penyedia')),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'helpdesk', 'admin')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    totp_secret BLOB,
    totp_activated_at BIGINT,
    totp_last_step BIGINT,
    password_failures BIGINT NOT NULL DEFAULT 0,
    password_locked_until BIGINT NOT NULL DEFAULT 0,
    password_lock_count BIGINT NOT NULL DEFAULT 0,
    totp_failures BIGINT NOT NULL DEFAULT 0,
    totp_locked_until BIGINT NOT NULL DEFAULT 0,
    totp_lock_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE totp_activations (
    user_pk BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_pk BIGINT REFERENCES users (id) ON DELETE CASCADE,
    claimed_user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_pk);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE access_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    user_pk BIGINT REFERENCES users (id) ON DELETE SET NULL,
    user_id TEXT NOT NULL,
    event TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX access_events_user ON access_events (user_pk, id);
