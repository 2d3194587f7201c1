-- Reset mails actually sent, per account: the account's limit counts these, so requests
-- that match nothing (a stranger guessing the email) never use up its owner's quota.
CREATE TABLE reset_mails (
    at BIGINT NOT NULL,
    user_key TEXT NOT NULL
);
CREATE INDEX reset_mails_user ON reset_mails (user_key, at);
