-- One answer per captcha id, drawn and spoken alike: the answer sealed with the server
-- key (never in plain text), for drawing and speaking only, and how often it was
-- rendered (bounded). The hash stays what an answer is checked against.
ALTER TABLE captchas ADD COLUMN answer_sealed BYTEA;
ALTER TABLE captchas ADD COLUMN renders BIGINT NOT NULL DEFAULT 0;

-- Proofs of work (ALTCHA) already spent, so that a solved payload answers once; kept
-- until the challenge expires, bounded per address like the captchas.
CREATE TABLE pow_spent (
    challenge_hash TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX pow_spent_address ON pow_spent (address, expires_at);
