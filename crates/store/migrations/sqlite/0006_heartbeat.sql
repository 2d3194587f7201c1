-- One row that readiness overwrites: a database that still answers reads but refuses
-- writes (a full disk, a read-only mount or replica) is reported as not ready.
CREATE TABLE heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    beat_at BIGINT NOT NULL
);
INSERT INTO heartbeat (id, beat_at) VALUES (1, 0);
