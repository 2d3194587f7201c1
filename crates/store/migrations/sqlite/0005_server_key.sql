-- Which key sealed this database's secrets.

-- One row: a keyed hash (HMAC-SHA256) of a fixed text under the server's key, never
-- the key. A start whose key file gives another value, or no key file while this row or
-- a sealed secret exists, refuses to run; readiness compares it again.
CREATE TABLE key_check (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    check_value TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

