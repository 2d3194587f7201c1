-- A trusted browser's code step counts on its own counter too: wrong codes typed
-- elsewhere by someone who knows the password lock the account's code step for every
-- other browser, but not for the browser that completed a two-factor login here.
ALTER TABLE trusted_browsers ADD COLUMN totp_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE trusted_browsers ADD COLUMN totp_locked_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE trusted_browsers ADD COLUMN totp_lock_count BIGINT NOT NULL DEFAULT 0;
