// Reads an otpauth://totp/ URI, as any authenticator app does, with the two extras
// spse-auth adds: `server` (the LPSE's address) and `enroll` (the one-time token).

import { base32Decode, hashName } from "./totp.js";

/** Why a URI was refused: a key of the string table. */
export class UriError extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

/** Whether the app may send signed requests to this server: https, or this machine. */
export function serverAllowed(server) {
  let url;
  try {
    url = new URL(server);
  } catch {
    return false;
  }
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

export function parseOtpauth(text) {
  const trimmed = String(text || "").trim();
  const match = /^otpauth:\/\/totp\/([^?]*)(?:\?(.*))?$/i.exec(trimmed);
  if (!match) throw new UriError("uri_not_totp");
  let label;
  try {
    label = decodeURIComponent(match[1]);
  } catch {
    throw new UriError("uri_not_totp");
  }
  const params = new URLSearchParams(match[2] || "");
  const colon = label.indexOf(":");
  const labelIssuer = colon >= 0 ? label.slice(0, colon).trim() : null;
  const account = (colon >= 0 ? label.slice(colon + 1) : label).trim();
  const secret = base32Decode(params.get("secret") || "");
  if (!secret) throw new UriError("uri_bad_secret");
  const algorithm = (params.get("algorithm") || "SHA1").toUpperCase();
  if (!hashName(algorithm)) throw new UriError("uri_unsupported");
  const digits = Number(params.get("digits") || 6);
  const period = Number(params.get("period") || 30);
  if (![6, 7, 8].includes(digits) || !(period > 0 && period <= 300)) {
    throw new UriError("uri_unsupported");
  }
  if (!account) throw new UriError("uri_no_account");
  const issuer = params.get("issuer") || labelIssuer || "";
  const server = params.get("server");
  const enroll = params.get("enroll");
  if (server && !serverAllowed(server)) throw new UriError("uri_bad_server");
  return {
    issuer,
    account,
    secret,
    algorithm,
    digits,
    period,
    server: server ? server.replace(/\/+$/, "") : null,
    enroll: server && enroll ? enroll : null,
  };
}
