-- The address each captcha was drawn for: drawing one is open to anyone and writes a
-- row, so one address may hold only a bounded number of unexpired captchas.
ALTER TABLE captchas ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX captchas_address ON captchas (address, expires_at);
