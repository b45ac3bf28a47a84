// Metronome for cadence retraining, scheduled on the Web Audio clock so it does not drift.
// Markup: <div data-metronome data-bpm="172"> with an <input type="number" data-metronome-bpm>,
// a button [data-metronome-toggle] and an aria-live [data-metronome-status].
// No inline scripts: the Content Security Policy forbids them.
(function () {
  "use strict";

  var LOOKAHEAD_S = 0.15; // schedule clicks this far ahead of the audio clock
  var TICK_MS = 25; // how often to top up the schedule
  var MIN_BPM = 40;
  var MAX_BPM = 220;

  function Metronome(root) {
    this.root = root;
    this.input = root.querySelector("[data-metronome-bpm]");
    this.button = root.querySelector("[data-metronome-toggle]");
    this.status = root.querySelector("[data-metronome-status]");
    this.ctx = null;
    this.timer = null;
    this.nextAt = 0;
    this.beats = 0;
    var self = this;
    this.button.addEventListener("click", function () {
      if (self.timer === null) {
        self.start();
      } else {
        self.stop();
      }
    });
    this.input.addEventListener("change", function () {
      if (self.timer !== null) {
        self.status.textContent = "Clicking at " + self.bpm() + " per minute";
      }
    });
  }

  Metronome.prototype.bpm = function () {
    var value = parseFloat(this.input.value);
    if (!isFinite(value)) {
      value = parseFloat(this.root.dataset.bpm) || 170;
    }
    return Math.min(MAX_BPM, Math.max(MIN_BPM, value));
  };

  Metronome.prototype.click = function (at) {
    var osc = this.ctx.createOscillator();
    var gain = this.ctx.createGain();
    osc.frequency.value = 1500;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.8, at + 0.002);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.03);
    osc.connect(gain).connect(this.ctx.destination);
    osc.start(at);
    osc.stop(at + 0.04);
  };

  Metronome.prototype.schedule = function () {
    while (this.nextAt < this.ctx.currentTime + LOOKAHEAD_S) {
      this.click(this.nextAt);
      this.beats += 1;
      this.nextAt += 60 / this.bpm();
    }
    this.root.dataset.beats = String(this.beats);
  };

  Metronome.prototype.start = function () {
    var AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext) {
      this.status.textContent = "This browser cannot play sound from the page; download the click track instead.";
      return;
    }
    if (!this.ctx) {
      this.ctx = new AudioContext();
    }
    this.ctx.resume();
    this.nextAt = this.ctx.currentTime + 0.05;
    this.beats = 0;
    var self = this;
    this.schedule();
    this.timer = window.setInterval(function () { self.schedule(); }, TICK_MS);
    this.button.textContent = "Stop";
    this.button.setAttribute("aria-pressed", "true");
    this.root.dataset.playing = "true";
    this.status.textContent = "Clicking at " + this.bpm() + " per minute";
  };

  Metronome.prototype.stop = function () {
    window.clearInterval(this.timer);
    this.timer = null;
    this.button.textContent = "Start";
    this.button.setAttribute("aria-pressed", "false");
    this.root.dataset.playing = "false";
    this.status.textContent = "Stopped";
  };

  document.querySelectorAll("[data-metronome]").forEach(function (root) {
    root.metronome = new Metronome(root);
  });
})();
