// Knee Clinic exercise service worker: keeps the exercise pages, the player and their files on
// the phone so a session works without a connection. Results are not sent from here: the page
// keeps them in its own outbox and sends them when the connection is back.
"use strict";

var CACHE = "kc-exercises-v1";
var SCOPE = new URL(self.registration.scope).pathname;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("kc-exercises-") === 0 && name !== CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

// The page lists what it needs (itself, its scripts, styles and pictures).
self.addEventListener("message", function (event) {
  var urls = event.data && Array.isArray(event.data.cache) ? event.data.cache : [];
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(
        urls
          .filter(function (url) {
            return new URL(url, self.location.origin).origin === self.location.origin;
          })
          .map(function (url) {
            return fetch(url, { credentials: "same-origin" })
              .then(function (response) {
                if (response.ok && !response.redirected) {
                  return cache.put(url, response);
                }
                return null;
              })
              .catch(function () {
                return null;
              });
          })
      );
    })
  );
});

function isLogin(response) {
  return response.redirected && new URL(response.url).pathname.indexOf("/accounts/login") === 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    // Static files have content-hashed names in production: the cached copy is right.
    event.respondWith(
      caches.open(CACHE).then(function (cache) {
        return cache.match(request).then(function (hit) {
          return (
            hit ||
            fetch(request).then(function (response) {
              if (response.ok) {
                cache.put(request, response.clone());
              }
              return response;
            })
          );
        });
      })
    );
    return;
  }
  if (request.mode === "navigate" && url.pathname.indexOf(SCOPE) === 0) {
    // Pages: the network first (fresh programme), the phone's copy when offline.
    event.respondWith(
      fetch(request)
        .then(function (response) {
          if (isLogin(response)) {
            // Logged out: forget the copies of this person's pages.
            caches.delete(CACHE);
          } else if (response.ok) {
            var copy = response.clone();
            caches.open(CACHE).then(function (cache) {
              cache.put(url.pathname, copy);
            });
          }
          return response;
        })
        .catch(function () {
          return caches.match(url.pathname).then(function (hit) {
            return hit || new Response(
              "<!doctype html><title>Offline</title><p>You are offline and this page is not saved on this phone yet.</p>",
              { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
            );
          });
        })
    );
  }
});
