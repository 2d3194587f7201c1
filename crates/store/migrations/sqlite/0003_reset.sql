-- Reset by email (guide D), the captcha of its form, and the outgoing mail queue.

CREATE TABLE reset_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_pk BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX reset_codes_user ON reset_codes (user_pk);

-- Every reset request, matching or not, for the per-account and per-IP limits.
CREATE TABLE reset_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    ip TEXT NOT NULL,
    user_key TEXT NOT NULL
);
CREATE INDEX reset_requests_ip ON reset_requests (ip, at);
CREATE INDEX reset_requests_user ON reset_requests (user_key, at);

CREATE TABLE captchas (
    id_hash TEXT PRIMARY KEY,
    answer_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE mail_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    failed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mail_queue_due ON mail_queue (failed, next_attempt_at);

-- One row per limited key: writing it first makes concurrent requests for the same key
-- wait for each other (a row lock on PostgreSQL), so the counts that follow are exact.
CREATE TABLE rate_keys (
    key TEXT PRIMARY KEY,
    touched_at BIGINT NOT NULL
);
