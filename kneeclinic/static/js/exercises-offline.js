// Offline support for the exercise pages: registers the service worker, asks it to keep this
// page and its files, and sends any session results waiting in this phone's outbox.
// window.KneeClinicOutbox.save(url, payload) queues a result; nothing is lost if the network drops.
(function () {
  "use strict";
  var KEY = "kc-exercise-outbox";
  var script = document.currentScript;
  var listeners = [];
  // Results belong to the person who did them: on a shared phone, only theirs are sent.
  var owner = (script && script.getAttribute("data-user")) || "";

  function read() {
    try {
      return JSON.parse(localStorage.getItem(KEY) || "{}");
    } catch (error) {
      return {};
    }
  }
  function write(box) {
    localStorage.setItem(KEY, JSON.stringify(box));
    notify();
  }
  function mine() {
    var box = read();
    return Object.keys(box).filter(function (code) {
      return box[code].owner === owner;
    });
  }
  function count() {
    return mine().length;
  }
  function notify() {
    var n = count();
    listeners.forEach(function (listener) {
      listener(n);
    });
  }
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  var flushing = null;
  function flush() {
    if (flushing) {
      return flushing;
    }
    var codes = mine();
    flushing = codes
      .reduce(function (chain, code) {
        return chain.then(function () {
          var entry = read()[code];
          if (!entry) {
            return null;
          }
          return fetch(entry.url, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
            body: JSON.stringify(entry.payload),
          }).then(function (response) {
            var now = read();
            // Only forget a result once the server has it (or can never take it).
            if (response.ok || response.status === 400 || response.status === 409 || response.status === 413) {
              if (now[code] && now[code].version === entry.version) {
                delete now[code];
                write(now);
              }
            }
          });
        });
      }, Promise.resolve())
      .catch(function () {
        return null;
      })
      .then(function () {
        flushing = null;
        notify();
        return count();
      });
    return flushing;
  }

  function save(url, payload) {
    var box = read();
    var version = ((box[payload.code] && box[payload.code].version) || 0) + 1;
    box[payload.code] = { url: url, payload: payload, version: version, owner: owner };
    write(box);
    return flush();
  }

  window.KneeClinicOutbox = {
    save: save,
    flush: flush,
    pending: count,
    onChange: function (listener) {
      listeners.push(listener);
    },
  };

  window.addEventListener("online", flush);
  setInterval(function () {
    if (count() > 0 && navigator.onLine !== false) {
      flush();
    }
  }, 30000);
  flush();

  if (!("serviceWorker" in navigator) || !script) {
    return;
  }
  var swUrl = script.getAttribute("data-sw");
  var scope = script.getAttribute("data-scope");
  var pages = (script.getAttribute("data-pages") || "").split(" ").filter(Boolean);
  navigator.serviceWorker
    .register(swUrl, { scope: scope })
    .then(function () {
      return navigator.serviceWorker.ready;
    })
    .then(function (registration) {
      var urls = [location.pathname].concat(pages);
      document.querySelectorAll("script[src], link[rel=stylesheet], img[src]").forEach(function (node) {
        urls.push(node.getAttribute("src") || node.getAttribute("href"));
      });
      var data = document.getElementById("player-data");
      if (data) {
        JSON.parse(data.textContent).items.forEach(function (item) {
          urls.push(item.start_img, item.end_img);
        });
      }
      urls = urls.filter(function (url, index) {
        return url && urls.indexOf(url) === index;
      });
      if (registration.active) {
        registration.active.postMessage({ cache: urls });
      }
    })
    .catch(function () {
      return null;
    });
})();
