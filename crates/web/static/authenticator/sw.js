// Keeps the app for offline use: codes need nothing from the network. Network first
// (so a new version arrives at the next start), the cache when offline. Calls to LPSE
// servers (another origin) are never cached.

const CACHE = "spse-authenticator-v1";
const SHELL = [
  "/",
  "/index.html",
  "/app.css",
  "/manifest.webmanifest",
  "/icon.svg",
  "/icon-192.png",
  "/icon-512.png",
  "/js/main.js",
  "/js/strings.js",
  "/js/totp.js",
  "/js/otpauth.js",
  "/js/signing.js",
  "/js/db.js",
  "/js/dom.js",
  "/js/api.js",
  "/js/scan.js",
  "/js/accounts.js",
  "/js/pending.js",
  "/vendor/jsqr/jsQR.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() =>
        caches
          .match(event.request, { ignoreSearch: true })
          .then((hit) => hit || caches.match("/index.html")),
      ),
  );
});
