// Walk/run interval timer for a return-to-run session, with sound, vibration and spoken-text cues.
// Markup: <div data-interval-timer data-intervals='[["run",180],["walk",120]]'> with children
// [data-timer-phase], [data-timer-remaining], [data-timer-step], [data-timer-elapsed],
// [data-timer-status] (aria-live) and buttons [data-timer-start], [data-timer-pause], [data-timer-reset].
// No inline scripts: the Content Security Policy forbids them.
(function () {
  "use strict";

  function format(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var m = Math.floor(s / 60);
    var r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  function Beeper() {
    this.ctx = null;
    this.nodes = [];
  }
  Beeper.prototype.unlock = function () {
    var AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!this.ctx && AudioContext) {
      this.ctx = new AudioContext();
    }
    if (this.ctx && this.ctx.state === "suspended") {
      this.ctx.resume();
    }
  };
  // pattern: list of [frequency Hz, duration s]; a short gap follows each tone. The tones are
  // scheduled on the audio clock ``delay`` seconds ahead, so they sound on time even when the
  // phone throttles the page's timers (screen off, another app in front).
  Beeper.prototype.play = function (pattern, delay) {
    if (!this.ctx) {
      return;
    }
    var t = this.ctx.currentTime + 0.02 + (delay || 0);
    for (var i = 0; i < pattern.length; i++) {
      var osc = this.ctx.createOscillator();
      var gain = this.ctx.createGain();
      osc.frequency.value = pattern[i][0];
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.6, t + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + pattern[i][1]);
      osc.connect(gain).connect(this.ctx.destination);
      osc.start(t);
      osc.stop(t + pattern[i][1] + 0.02);
      this.nodes.push(osc);
      t += pattern[i][1] + 0.12;
    }
  };
  Beeper.prototype.cancel = function () {
    this.nodes.forEach(function (osc) {
      try {
        osc.stop();
      } catch (error) {
        // already finished
      }
    });
    this.nodes = [];
  };

  var CUES = {
    run: { tones: [[880, 0.18], [880, 0.18]], vibrate: [200, 100, 200], say: "Run" },
    walk: { tones: [[440, 0.5]], vibrate: [600], say: "Walk" },
    done: { tones: [[660, 0.2], [880, 0.2], [1100, 0.4]], vibrate: [200, 100, 200, 100, 400], say: "Session finished" },
  };

  function Timer(root) {
    this.root = root;
    this.intervals = JSON.parse(root.dataset.intervals || "[]");
    this.total = this.intervals.reduce(function (sum, item) { return sum + item[1]; }, 0);
    this.beeper = new Beeper();
    this.elapsedBefore = 0; // seconds accumulated before the current start
    this.startedAt = null; // performance.now() of the current start, or null when paused
    this.lastIndex = -1;
    this.tick = null;
    this.wakeLock = null;
    this.el = function (name) { return root.querySelector("[data-timer-" + name + "]"); };
    var self = this;
    this.el("start").addEventListener("click", function () { self.start(); });
    this.el("pause").addEventListener("click", function () { self.pause(); });
    this.el("reset").addEventListener("click", function () { self.reset(); });
    this.render();
  }

  Timer.prototype.elapsed = function () {
    var running = this.startedAt === null ? 0 : (performance.now() - this.startedAt) / 1000;
    return this.elapsedBefore + running;
  };

  Timer.prototype.position = function (elapsed) {
    var t = 0;
    for (var i = 0; i < this.intervals.length; i++) {
      if (elapsed < t + this.intervals[i][1]) {
        return { index: i, remaining: t + this.intervals[i][1] - elapsed };
      }
      t += this.intervals[i][1];
    }
    return { index: this.intervals.length, remaining: 0 };
  };

  Timer.prototype.cue = function (name) {
    var cue = CUES[name];
    if (navigator.vibrate) {
      navigator.vibrate(cue.vibrate);
    }
    this.el("status").textContent = cue.say;
  };

  // Sound every remaining change of interval (and the end) on the audio clock, from now.
  Timer.prototype.scheduleSounds = function () {
    var elapsed = this.elapsedBefore;
    var t = 0;
    for (var i = 0; i <= this.intervals.length; i++) {
      var name = i < this.intervals.length ? this.intervals[i][0] : "done";
      if (t > elapsed || (t === elapsed && i === this.lastIndex + 1)) {
        this.beeper.play(CUES[name].tones, t - elapsed);
      }
      if (i < this.intervals.length) {
        t += this.intervals[i][1];
      }
    }
  };

  Timer.prototype.start = function () {
    if (this.startedAt !== null) {
      return;
    }
    if (this.elapsedBefore >= this.total) {
      this.reset();
    }
    this.beeper.unlock();
    this.scheduleSounds();
    this.startedAt = performance.now();
    var self = this;
    this.tick = window.setInterval(function () { self.render(); }, 250);
    if (navigator.wakeLock && navigator.wakeLock.request) {
      navigator.wakeLock.request("screen").then(function (lock) { self.wakeLock = lock; }, function () {});
    }
    this.el("start").hidden = true;
    this.el("pause").hidden = false;
    this.render();
  };

  // keepSounds: at the natural end, let the finishing tones ring out.
  Timer.prototype.stopTicking = function (keepSounds) {
    if (!keepSounds) {
      this.beeper.cancel();
    }
    if (this.tick !== null) {
      window.clearInterval(this.tick);
      this.tick = null;
    }
    if (this.wakeLock) {
      this.wakeLock.release();
      this.wakeLock = null;
    }
    this.el("start").hidden = false;
    this.el("pause").hidden = true;
  };

  Timer.prototype.pause = function () {
    if (this.startedAt === null) {
      return;
    }
    this.elapsedBefore = this.elapsed();
    this.startedAt = null;
    this.stopTicking();
    this.el("start").textContent = "Resume";
    this.el("status").textContent = "Paused";
  };

  Timer.prototype.reset = function () {
    this.startedAt = null;
    this.elapsedBefore = 0;
    this.lastIndex = -1;
    this.stopTicking();
    this.el("start").textContent = "Start";
    this.el("status").textContent = "Ready";
    this.render();
  };

  Timer.prototype.render = function () {
    var elapsed = Math.min(this.elapsed(), this.total);
    var pos = this.position(elapsed);
    var started = this.startedAt !== null || this.elapsedBefore > 0;
    if (started && pos.index !== this.lastIndex) {
      this.lastIndex = pos.index;
      this.cue(pos.index >= this.intervals.length ? "done" : this.intervals[pos.index][0]);
    }
    if (pos.index >= this.intervals.length) {
      this.elapsedBefore = this.total;
      this.startedAt = null;
      this.stopTicking(true);
      this.el("start").textContent = "Start again";
      this.el("phase").textContent = "Finished";
      this.root.dataset.phase = "done";
      this.el("remaining").textContent = "0:00";
    } else {
      var kind = this.intervals[pos.index][0];
      this.el("phase").textContent = kind === "run" ? "Run" : "Walk";
      this.root.dataset.phase = kind;
      this.el("remaining").textContent = format(pos.remaining);
    }
    this.el("step").textContent = Math.min(pos.index + 1, this.intervals.length) + " of " + this.intervals.length;
    this.el("elapsed").textContent = format(elapsed) + " of " + format(this.total);
  };

  document.querySelectorAll("[data-interval-timer]").forEach(function (root) {
    root.timer = new Timer(root);
  });
})();
