// Unit tests of the SPSE Authenticator web app's modules, run in headless Chromium by
// server/tests/api/app_js.rs: RFC 6238's vectors, and the signed requests and codes of
// the protocol crate's vector file (protocol/vectors/authenticator-v1.json).

import { parseOtpauth, serverAllowed } from "/js/otpauth.js";
import { browserName } from "/js/pending.js";
import { signingInput, sign, hex } from "/js/signing.js";
import { base32Decode, hotp, importSecret, totp } from "/js/totp.js";

const results = [];
async function test(name, body) {
  try {
    await body();
    results.push({ name, ok: true });
  } catch (error) {
    results.push({ name, ok: false, error: String(error && error.stack ? error.stack : error) });
  }
}
function equal(found, expected, what) {
  if (found !== expected) throw new Error(`${what}: found ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
}

const ascii = (text) => new TextEncoder().encode(text);
const fromHex = (text) => new Uint8Array(text.match(/../g).map((b) => parseInt(b, 16)));
const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

// RFC 6238 appendix B: 8 digits, the three hashes, each with its own seed.
const RFC6238 = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];

async function run() {
  const vectors = await (await fetch("/vectors.json")).json();

  await test("RFC 6238 vectors (SHA1, SHA256, SHA512)", async () => {
    const seeds = {
      SHA1: ascii("12345678901234567890"),
      SHA256: ascii("12345678901234567890123456789012"),
      SHA512: ascii("1234567890123456789012345678901234567890123456789012345678901234"),
    };
    for (const [time, sha1, sha256, sha512] of RFC6238) {
      for (const [algorithm, expected] of [["SHA1", sha1], ["SHA256", sha256], ["SHA512", sha512]]) {
        const key = await importSecret(seeds[algorithm], algorithm);
        equal(await totp(key, time, { digits: 8 }), expected, `${algorithm} at ${time}`);
      }
    }
  });

  await test("RFC 4226 HOTP values", async () => {
    const key = await importSecret(ascii("12345678901234567890"));
    const expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
    for (let counter = 0; counter < expected.length; counter += 1) {
      equal(await hotp(key, counter), expected[counter], `counter ${counter}`);
    }
  });

  await test("codes of the protocol crate's vector file", async () => {
    if (vectors.codes.length === 0) throw new Error("no codes in the vector file");
    for (const { secret, time, code } of vectors.codes) {
      const key = await importSecret(base32Decode(secret));
      equal(await totp(key, time), code, `${secret} at ${time}`);
    }
  });

  await test("signed requests of the protocol crate's vector file", async () => {
    if (vectors.signed_requests.length === 0) throw new Error("no requests in the vector file");
    for (const v of vectors.signed_requests) {
      const body = ascii(v.body);
      equal(await signingInput(v.method, v.path, v.timestamp, v.nonce, body), v.signing_input, "signing input");
      const key = await crypto.subtle.importKey(
        "jwk",
        { kty: "OKP", crv: "Ed25519", d: b64url(fromHex(v.seed)), x: b64url(fromHex(v.public_key)) },
        { name: "Ed25519" },
        false,
        ["sign"],
      );
      const signed = await sign(key, v.method, v.path, v.timestamp, body, v.nonce);
      equal(signed.signature, v.signature, `signature of ${v.method} ${v.path}`);
    }
  });

  await test("a device key is non-extractable Ed25519 with a 32-byte public key", async () => {
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    equal(pair.privateKey.extractable, false, "extractable");
    equal(hex(await crypto.subtle.exportKey("raw", pair.publicKey)).length, 64, "public key hex");
  });

  await test("the activation URI with server and enroll", async () => {
    const parsed = parseOtpauth(
      "otpauth://totp/LPSE%20Kota:PPK1?secret=JBSWY3DPEHPK3PXP&issuer=LPSE%20Kota&algorithm=SHA1&digits=6&period=30&server=https%3A%2F%2Flpse.example.go.id%2F&enroll=abc123",
    );
    equal(parsed.issuer, "LPSE Kota", "issuer");
    equal(parsed.account, "PPK1", "account");
    equal(parsed.server, "https://lpse.example.go.id", "server");
    equal(parsed.enroll, "abc123", "enroll");
    equal(hex(parsed.secret), "48656c6c6f21deadbeef", "secret");
  });

  await test("refused URIs and servers", async () => {
    for (const [text, reason] of [
      ["https://lpse.example.go.id", "uri_not_totp"],
      ["otpauth://hotp/X:Y?secret=JBSWY3DP", "uri_not_totp"],
      ["otpauth://totp/LPSE:PPK1?secret=1111", "uri_bad_secret"],
      ["otpauth://totp/LPSE:PPK1?secret=JBSWY3DP&algorithm=MD5", "uri_unsupported"],
      ["otpauth://totp/LPSE:PPK1?secret=JBSWY3DP&server=http%3A%2F%2Fevil.example", "uri_bad_server"],
    ]) {
      let refused = null;
      try {
        parseOtpauth(text);
      } catch (error) {
        refused = error.reason;
      }
      equal(refused, reason, text);
    }
    equal(serverAllowed("http://127.0.0.1:8080"), true, "http on this machine");
    equal(serverAllowed("http://lpse.example.go.id"), false, "plain http elsewhere");
  });

  await test("base32 as typed by hand", async () => {
    equal(hex(base32Decode("jbsw y3dp-ehpk 3pxp")), "48656c6c6f21deadbeef", "spaces, dashes, case");
    equal(base32Decode("JBSW1"), null, "a digit outside the alphabet");
  });

  await test("browser names for the waiting login", async () => {
    equal(
      browserName("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"),
      "Chrome, Linux",
      "Chrome",
    );
    equal(browserName("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"), "Firefox, Windows", "Firefox");
  });

  const list = document.getElementById("results");
  for (const r of results) {
    const item = document.createElement("li");
    item.textContent = `${r.ok ? "ok" : "FAILED"}: ${r.name}${r.error ? ` — ${r.error}` : ""}`;
    list.append(item);
  }
  window.results = results;
  document.body.dataset.done = "true";
}

run().catch((error) => {
  window.results = [{ name: "the test page", ok: false, error: String(error) }];
  document.body.dataset.done = "true";
});
