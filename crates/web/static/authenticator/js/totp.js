// RFC 4226 / RFC 6238 codes with WebCrypto's HMAC. The secret is imported as a
// non-extractable key: once stored, not even this app's own scripts can read it back.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (spaces, dashes, case and padding ignored); null when invalid. */
export function base32Decode(text) {
  const clean = String(text).toUpperCase().replace(/[\s=-]/g, "");
  if (clean.length === 0) return null;
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) return null;
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return new Uint8Array(out);
}

const HASHES = { SHA1: "SHA-1", SHA256: "SHA-256", SHA512: "SHA-512" };

/** The WebCrypto hash of an otpauth `algorithm` (SHA1 by default), or null. */
export function hashName(algorithm) {
  return HASHES[String(algorithm || "SHA1").toUpperCase().replace("-", "")] || null;
}

/** A non-extractable HMAC key for the secret bytes. */
export function importSecret(bytes, algorithm = "SHA1") {
  return crypto.subtle.importKey(
    "raw",
    bytes,
    { name: "HMAC", hash: hashName(algorithm) },
    false,
    ["sign"],
  );
}

/** The HOTP value of `counter` (RFC 4226), as a string of `digits` digits. */
export async function hotp(key, counter, digits = 6) {
  const message = new ArrayBuffer(8);
  const view = new DataView(message);
  view.setUint32(0, Math.floor(counter / 2 ** 32));
  view.setUint32(4, counter >>> 0);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  const offset = mac[mac.length - 1] & 0x0f;
  const binary =
    ((mac[offset] & 0x7f) << 24) |
    (mac[offset + 1] << 16) |
    (mac[offset + 2] << 8) |
    mac[offset + 3];
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The time step of a unix time (RFC 6238 T with T0 = 0). */
export function timeStep(unixSeconds, period = 30) {
  return Math.floor(unixSeconds / period);
}

/** The TOTP code at a unix time. */
export function totp(key, unixSeconds, { digits = 6, period = 30 } = {}) {
  return hotp(key, timeStep(unixSeconds, period), digits);
}
