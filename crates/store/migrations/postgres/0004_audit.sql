-- The access log's hash chain, retention anchor, "not me" flags, and the forced
-- password change that follows a "not me".

-- Position in the chain (1, 2, 3...) and the entry's hash. Rows written before this
-- migration get both when the server next starts (see `seal_unchained`).
ALTER TABLE access_events ADD COLUMN seq BIGINT;
ALTER TABLE access_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX access_events_seq ON access_events (seq);
CREATE INDEX access_events_at ON access_events (at);

-- One row: the chain's head (last entry written) and anchor (last entry removed by
-- retention). Appends update this row first, which serialises them across instances.
CREATE TABLE audit_chain (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    head_seq BIGINT NOT NULL,
    head_hash TEXT NOT NULL,
    anchor_seq BIGINT NOT NULL,
    anchor_hash TEXT NOT NULL
);
INSERT INTO audit_chain (id, head_seq, head_hash, anchor_seq, anchor_hash) VALUES (1, 0, '', 0, '');

-- Kept apart from the chained rows, which never change once written.
CREATE TABLE event_flags (
    event_id BIGINT PRIMARY KEY REFERENCES access_events (id) ON DELETE CASCADE,
    user_pk BIGINT REFERENCES users (id) ON DELETE CASCADE,
    flagged_at BIGINT NOT NULL
);

-- The old password is presumed known: the next login must choose a new one.
CREATE TABLE password_change_required (
    user_pk BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    since BIGINT NOT NULL
);

-- A new password chosen during a forced change, applied only when the login that
-- chose it passes its second factor.
CREATE TABLE pending_passwords (
    session_hash TEXT PRIMARY KEY REFERENCES sessions (id_hash) ON DELETE CASCADE,
    user_pk BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
