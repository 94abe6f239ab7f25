/* The field-capture app's service worker (scope /field/).

   It keeps the app's shell for offline use: the page with its forms and
   catalogues, its scripts and manifest, and the bundle of the worker's open
   cases. Each is asked of the server first and kept when it answers, so the
   copy is refreshed whenever the phone is online; the kept copy answers
   only when the server cannot be reached. Nothing else is kept: the session
   token and the sync always go to the server. The queued steps are not
   here: the page keeps them, encrypted, in IndexedDB (vault.js). */
"use strict";

const CACHE = "vatra-field-1";
const SHELL = [
  "/field/",
  "/field/app.js",
  "/field/vault.js",
  "/field/manifest.webmanifest",
  "/field/icon.svg",
  "/field/data/bundle",
];
const KEPT = new Set(SHELL);

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
      .then((names) =>
        Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (!KEPT.has(url.pathname)) {
    return;
  }
  event.respondWith(networkFirst(event.request, url.pathname));
});

async function networkFirst(request, path) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // A log-in page (the session ended) or an error is not kept.
    if (response.ok && response.type === "basic" && !response.redirected) {
      await cache.put(path, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(path);
    if (!kept) {
      throw error;
    }
    // Marked, so the page knows it read the phone's copy, not the server's.
    const headers = new Headers(kept.headers);
    headers.set("X-Vatra-Kept", "1");
    return new Response(kept.body, { status: kept.status, headers });
  }
}
