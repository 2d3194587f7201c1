-- The number typed in the app is counted per bound device: wrong codes typed at the
-- web code step by someone who knows the password no longer lock the owner's approvals.
ALTER TABLE devices ADD COLUMN number_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN number_locked_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN number_lock_count BIGINT NOT NULL DEFAULT 0;
