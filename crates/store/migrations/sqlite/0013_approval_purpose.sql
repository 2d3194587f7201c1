-- What an approval is asked for: a login attempt (its session is half-open), or
-- DISABLE TOTP from a signed-in session, which an approval in the app may confirm
-- instead of a typed code.
ALTER TABLE approvals ADD COLUMN purpose TEXT NOT NULL DEFAULT 'login'
    CHECK (purpose IN ('login', 'disable_totp'));
