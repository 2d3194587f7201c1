-- SCIM 2.0 provisioning (issue 16). The procurement system authenticates with a bearer
-- token: only its keyed hash is kept, under the name the operator gave it. What SCIM
-- knows of an account beyond the users table lives beside it: the client's externalId,
-- when SCIM last changed it, and whether SCIM deleted it (a deleted account stays,
-- disabled, with its access log; SCIM no longer shows it).
CREATE TABLE scim_tokens (
    name TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    last_used_at BIGINT
);

CREATE TABLE scim_accounts (
    user_pk BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    external_id TEXT,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX scim_accounts_external ON scim_accounts (external_id);
