-- Which key sealed this database's secrets, and queued mail sealed with that key.

-- One row: a keyed hash (HMAC-SHA256) of a fixed text under the server's key, never
-- the key. A start whose key file gives another value, or no key file while this row or
-- a sealed secret exists, refuses to run; readiness compares it again.
CREATE TABLE key_check (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    check_value TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

-- Mail bodies carry reset links and codes: they wait sealed with the server's key,
-- bound to recipient and subject. New rows leave text_body empty; rows queued by an
-- older version keep it until the next start seals them (see `seal_plain_mail`).
ALTER TABLE mail_queue ADD COLUMN sealed_text BYTEA;
ALTER TABLE mail_queue ADD COLUMN sealed_html BYTEA;
