-- Set-password links (Lupa Password, the helpdesk's link, the invitation of an account
-- made without a password). Only the code's hash is kept; a link is used once, and
-- setting a password through any link uses up the account's other unused links.
CREATE TABLE password_links (
    id BIGSERIAL PRIMARY KEY,
    user_pk BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    -- reset | helpdesk | invite: which mail carried it.
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_links_user ON password_links (user_pk);
