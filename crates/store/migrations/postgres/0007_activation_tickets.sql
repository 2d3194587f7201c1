-- After a reset (by the mailed link or by the helpdesk) the next activation must prove
-- more than the password: an activation ticket, held by the browser that confirmed the
-- link or sent in a fresh mailed link. Only the ticket's hash is stored.
ALTER TABLE users ADD COLUMN totp_reset_at BIGINT;

CREATE TABLE activation_tickets (
    ticket_hash TEXT PRIMARY KEY,
    user_pk BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- 1 for a ticket sent in a mailed link, 0 for the confirming browser's.
    mailed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX activation_tickets_user ON activation_tickets(user_pk);
