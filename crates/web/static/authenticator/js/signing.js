// The signing rule of the authenticator API (docs/authenticator-api.md), the same as
// the protocol crate's `signing_input`; a test checks both against one vector file.

export function hex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

/** `SPSE-AUTHENTICATOR-V1\nMETHOD\npath\ntimestamp\nnonce\nsha256(body)`. */
export async function signingInput(method, pathAndQuery, timestamp, nonce, body) {
  const digest = await sha256Hex(body);
  return `SPSE-AUTHENTICATOR-V1\n${method.toUpperCase()}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${digest}`;
}

/** 128 random bits as 32 hex digits. */
export function newNonce() {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

/** A device key pair; the private half is non-extractable and is stored as it is. */
export async function newDeviceKey() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const publicHex = hex(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { privateKey: pair.privateKey, publicHex };
}

/** The four signature headers' values for one request. */
export async function sign(privateKey, method, pathAndQuery, timestamp, body, nonce = newNonce()) {
  const input = await signingInput(method, pathAndQuery, timestamp, nonce, body);
  const signature = await crypto.subtle.sign(
    { name: "Ed25519" },
    privateKey,
    new TextEncoder().encode(input),
  );
  return { timestamp, nonce, signature: hex(signature) };
}
