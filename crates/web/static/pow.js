// The reset form's proof of work (ALTCHA v1), the alternative to reading the captcha:
// the browser fetches a signed challenge and tries numbers until SHA-256(salt + number)
// is the challenge, then posts what it found in the hidden field "altcha". It runs only
// where WebCrypto does (https, or http on localhost); elsewhere, and without
// JavaScript, the picture and its sound stay as they are and work as before.
const form = document.getElementById('reset-form');
const field = document.getElementById('pow-payload');
const status = document.getElementById('pow-status');
const group = document.getElementById('captcha-group');
const typed = document.getElementById('captcha');

// Digests asked for at once, and how long the page may go without a pause.
const BATCH = 1000;
const YIELD_MS = 50;
// A challenge lives 10 minutes on the server; a proof older than this is made again.
const FRESH_MS = 9 * 60 * 1000;

function bytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) {
    out[i] = parseInt(hex.substr(i * 2, 2), 16);
  }
  return out;
}

function same(buffer, want) {
  const got = new Uint8Array(buffer);
  for (let i = 0; i < want.length; i += 1) {
    if (got[i] !== want[i]) {
      return false;
    }
  }
  return true;
}

function pause() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// The number whose hash is the challenge, or null.
async function solve(challenge) {
  const want = bytes(challenge.challenge);
  const encoder = new TextEncoder();
  let paused = performance.now();
  for (let start = 0; start <= challenge.maxnumber; start += BATCH) {
    const end = Math.min(start + BATCH - 1, challenge.maxnumber);
    const tries = [];
    for (let n = start; n <= end; n += 1) {
      tries.push(crypto.subtle.digest('SHA-256', encoder.encode(challenge.salt + n)));
    }
    const hashes = await Promise.all(tries);
    for (let i = 0; i < hashes.length; i += 1) {
      if (same(hashes[i], want)) {
        return start + i;
      }
    }
    if (performance.now() - paused > YIELD_MS) {
      await pause();
      paused = performance.now();
    }
  }
  return null;
}

function say(which) {
  status.textContent = status.dataset[which] || '';
}

function showCaptcha(shown) {
  group.hidden = !shown;
  typed.required = shown;
}

let solvedAt = 0;

// Fills the hidden field; on any failure, the captcha comes back.
async function prove() {
  const started = performance.now();
  field.value = '';
  say('checking');
  showCaptcha(false);
  try {
    const response = await fetch('/captcha/pow', { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) {
      throw new Error('challenge: ' + response.status);
    }
    const challenge = await response.json();
    if (challenge.algorithm !== 'SHA-256') {
      throw new Error('algorithm: ' + challenge.algorithm);
    }
    const number = await solve(challenge);
    if (number === null) {
      throw new Error('no number solves the challenge');
    }
    field.value = btoa(JSON.stringify({
      algorithm: challenge.algorithm,
      challenge: challenge.challenge,
      number: number,
      salt: challenge.salt,
      signature: challenge.signature,
      took: Math.round(performance.now() - started),
    }));
    solvedAt = performance.now();
    form.dataset.powMs = String(Math.round(solvedAt - started));
    form.dataset.powTries = String(number + 1);
    say('done');
    return true;
  } catch (error) {
    field.value = '';
    showCaptcha(true);
    say('failed');
    return false;
  }
}

if (form && field && status && group && typed && window.isSecureContext &&
    window.crypto && crypto.subtle && window.TextEncoder) {
  let proving = prove();
  let waiting = false;
  form.addEventListener('submit', (event) => {
    const submitter = event.submitter;
    if (submitter && submitter.name === 'redraw') {
      return;
    }
    const stale = field.value && performance.now() - solvedAt > FRESH_MS;
    if (field.value && !stale) {
      return;
    }
    if (!field.value && !group.hidden) {
      return; // the check failed: the typed captcha goes instead
    }
    // Not done yet (or done too long ago): send once the check is, once.
    event.preventDefault();
    if (waiting) {
      return;
    }
    waiting = true;
    if (stale) {
      proving = prove();
    }
    proving.then(() => {
      waiting = false;
      form.requestSubmit(submitter || undefined);
    });
  });
}
