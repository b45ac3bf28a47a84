// The session player: one exercise at a time, a rep counter and set tracker, hold and rest
// timers with sound and vibration cues, pain after each exercise and effort at the end.
// Progress is kept on the phone after every change, so a reload, a dropped connection or a
// session abandoned half way loses nothing; results go through window.KneeClinicOutbox.
(function () {
  "use strict";
  var source = document.getElementById("player-data");
  if (!source) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var items = data.items;
  var STORE = "kc-player-" + (data.warmUp ? "warm-up" : "session");
  var CUES = "kc-player-cues";
  var RELAX_S = 3;
  var outbox = window.KneeClinicOutbox;
  var ownerNode = document.querySelector("script[data-user]");
  var owner = ownerNode ? ownerNode.getAttribute("data-user") : "";

  function $(id) {
    return document.getElementById(id);
  }
  var screens = {
    intro: $("screen-intro"),
    exercise: $("screen-exercise"),
    finish: $("screen-finish"),
    done: $("screen-done"),
  };
  var panels = { work: $("panel-work"), rest: $("panel-rest"), pain: $("panel-pain") };

  // ------------------------------------------------------------------ small helpers
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function localDate(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }
  function localIso(d) {
    var offset = -d.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return (
      localDate(d) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) +
      sign + pad(Math.floor(offset / 60)) + ":" + pad(offset % 60)
    );
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) {
      return (x + 256).toString(16).slice(1);
    }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function seconds(s) {
    if (s < 60) {
      return s + " s";
    }
    return Math.floor(s / 60) + " min" + (s % 60 ? " " + (s % 60) + " s" : "");
  }
  function say(text) {
    $("player-status").textContent = text;
  }

  // ------------------------------------------------------------------ state, kept on the phone
  function fresh() {
    return {
      code: uuid(), owner: owner, startedAt: null, localDate: null, screen: "intro", index: 0,
      step: 0, count: 0, doneSteps: 0, timer: null, logs: {}, effort: null, ended: false,
    };
  }
  function load() {
    try {
      return JSON.parse(localStorage.getItem(STORE) || "null");
    } catch (error) {
      return null;
    }
  }
  function store() {
    localStorage.setItem(STORE, JSON.stringify(state));
  }
  var state = load() || fresh();

  function item() {
    return items[state.index];
  }
  function sides(it) {
    return it.each_side ? 2 : 1;
  }
  function mode(it) {
    if (it.reps && it.hold_s) {
      return "holdreps";
    }
    return it.reps ? "reps" : "hold";
  }

  // ------------------------------------------------------------------ cues: sound, vibration, screen
  var cues = (function () {
    try {
      return JSON.parse(localStorage.getItem(CUES) || "null") || { sound: true, vibrate: true };
    } catch (error) {
      return { sound: true, vibrate: true };
    }
  })();
  $("cue-sound").checked = cues.sound;
  $("cue-vibrate").checked = cues.vibrate;
  $("cue-sound").addEventListener("change", function (event) {
    cues.sound = event.target.checked;
    localStorage.setItem(CUES, JSON.stringify(cues));
  });
  $("cue-vibrate").addEventListener("change", function (event) {
    cues.vibrate = event.target.checked;
    localStorage.setItem(CUES, JSON.stringify(cues));
  });

  var audio = null;
  function unlockAudio() {
    if (!cues.sound) {
      return;
    }
    try {
      // "ambient" audio follows the phone's silent switch where the browser supports it.
      if (navigator.audioSession) {
        navigator.audioSession.type = "ambient";
      }
      var Context = window.AudioContext || window.webkitAudioContext;
      audio = audio || (Context ? new Context() : null);
      if (audio && audio.state === "suspended") {
        audio.resume();
      }
    } catch (error) {
      audio = null;
    }
  }
  function beep(freq, ms, delay) {
    if (!audio || !cues.sound) {
      return;
    }
    var t = audio.currentTime + (delay || 0);
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.25, t + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + ms / 1000);
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start(t);
    osc.stop(t + ms / 1000 + 0.05);
  }
  function buzz(pattern) {
    if (cues.vibrate && navigator.vibrate) {
      navigator.vibrate(pattern);
    }
  }
  var cue = {
    go: function () {
      beep(880, 160);
      buzz(120);
    },
    tick: function () {
      beep(660, 70);
    },
    end: function () {
      beep(988, 150);
      beep(1319, 220, 0.18);
      buzz([150, 80, 150]);
    },
  };

  var lock = null;
  function keepAwake() {
    if (!("wakeLock" in navigator) || lock) {
      return;
    }
    navigator.wakeLock.request("screen").then(function (sentinel) {
      lock = sentinel;
      sentinel.addEventListener("release", function () {
        lock = null;
      });
    }).catch(function () {
      lock = null;
    });
  }
  function letSleep() {
    if (lock) {
      lock.release();
      lock = null;
    }
  }

  // ------------------------------------------------------------------ saving results
  function payload(status) {
    return {
      code: state.code,
      programme: data.programme,
      warm_up: data.warmUp,
      local_date: state.localDate,
      started_at: state.startedAt,
      finished_at: status === "complete" || state.ended ? localIso(new Date()) : null,
      status: status,
      effort: state.effort,
      logs: Object.keys(state.logs).map(function (slug) {
        return state.logs[slug];
      }),
    };
  }
  function send(status) {
    // A session counts once something was done in it; pressing start alone records nothing.
    if (!state.startedAt || !outbox || (status === "partial" && !Object.keys(state.logs).length)) {
      return;
    }
    outbox.save(data.syncUrl, payload(status));
  }
  function log(it, painNrs, skipped) {
    state.logs[it.slug] = {
      slug: it.slug,
      order: it.order,
      sets_target: it.sets,
      sets_done: Math.floor(state.doneSteps / sides(it)),
      reps: it.reps,
      hold_s: it.hold_s,
      pain_nrs: painNrs,
      skipped: skipped,
    };
  }

  // ------------------------------------------------------------------ timers (Date-based, so they survive throttling)
  var ticker = null;
  var lastSecond = null;
  function startTimer(kind, duration) {
    state.timer = { kind: kind, endsAt: Date.now() + duration * 1000 };
    lastSecond = null;
    store();
    if (kind === "hold") {
      cue.go();
    }
    if (!ticker) {
      ticker = setInterval(tick, 200);
    }
    tick();
  }
  function stopTimer() {
    state.timer = null;
    if (ticker) {
      clearInterval(ticker);
      ticker = null;
    }
    store();
  }
  function tick() {
    if (!state.timer) {
      return;
    }
    var left = Math.max(0, Math.ceil((state.timer.endsAt - Date.now()) / 1000));
    if (left !== lastSecond) {
      lastSecond = left;
      if (left > 0 && left <= 3 && state.timer.kind !== "relax") {
        cue.tick();
      }
      showTime(left);
    }
    if (left <= 0) {
      var kind = state.timer.kind;
      stopTimer();
      timerDone(kind);
    }
  }
  function showTime(left) {
    var kind = state.timer && state.timer.kind;
    if (kind === "rest") {
      $("rest-counter").textContent = seconds(left);
    } else if (kind === "hold") {
      $("counter").textContent = seconds(left);
      $("counter-help").textContent = mode(item()) === "holdreps" ? "Hold – rep " + (state.count + 1) + " of " + item().reps : "Hold";
    } else if (kind === "relax") {
      $("counter").textContent = state.count + " / " + item().reps;
      $("counter-help").textContent = "Relax – the next hold starts in " + left + " s";
    }
  }
  function timerDone(kind) {
    var it = item();
    if (kind === "rest") {
      cue.end();
      show("work");
      return;
    }
    if (kind === "relax") {
      startTimer("hold", it.hold_s);
      renderWork();
      return;
    }
    cue.end();
    if (mode(it) === "holdreps") {
      state.count += 1;
      if (state.count < it.reps) {
        startTimer("relax", RELAX_S);
        renderWork();
        return;
      }
    }
    finishStep(true);
  }

  // ------------------------------------------------------------------ moving through the session
  function finishStep(full) {
    var it = item();
    stopTimer();
    if (full) {
      state.doneSteps += 1;
    }
    state.step += 1;
    state.count = 0;
    if (state.step >= it.sets * sides(it)) {
      state.screen = "pain";
      say("Well done. How much did your knee hurt during " + it.name + "?");
      render();
      return;
    }
    var switchingSides = it.each_side && state.step % 2 === 1;
    if (switchingSides || !it.rest_s) {
      state.screen = "work";
      say(switchingSides ? "Now the other side." : "Next set.");
      render();
      return;
    }
    state.screen = "rest";
    render();
    startTimer("rest", it.rest_s);
    say("Rest for " + seconds(it.rest_s) + ".");
  }
  function nextExercise() {
    state.index += 1;
    state.step = 0;
    state.count = 0;
    state.doneSteps = 0;
    stopTimer();
    send("partial");
    if (state.index >= items.length) {
      state.screen = "finish";
    } else {
      state.screen = "work";
      say("Next: " + item().name + ".");
    }
    render();
    var heading = state.screen === "finish" ? $("finish-heading") : $("exercise-name");
    heading.focus();
  }
  function show(panel) {
    state.screen = panel;
    render();
  }

  function renderExercise() {
    var it = item();
    $("exercise-count").textContent = "Exercise " + (state.index + 1) + " of " + items.length;
    $("exercise-progress").max = items.length;
    $("exercise-progress").value = state.index;
    $("exercise-name").textContent = it.name;
    $("exercise-dose").textContent = it.dose + (it.load && it.load !== "body weight" ? " · " + it.load : "");
    $("exercise-note").hidden = !it.note;
    $("exercise-note").textContent = it.note || "";
    $("img-start").src = it.start_img;
    $("img-start").alt = it.start_alt;
    $("img-end").src = it.end_img;
    $("img-end").alt = it.end_alt;
    fillList($("exercise-steps"), it.steps);
    fillList($("exercise-mistakes"), it.mistakes);
  }
  function fillList(list, texts) {
    list.textContent = "";
    texts.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
    });
  }
  function renderWork() {
    var it = item();
    var m = mode(it);
    var setNo = Math.floor(state.step / sides(it)) + 1;
    var side = it.each_side ? (state.step % 2 === 0 ? " · right side" : " · left side") : "";
    $("set-label").textContent = "Set " + setNo + " of " + it.sets + side;
    var timing = Boolean(state.timer && (state.timer.kind === "hold" || state.timer.kind === "relax"));
    $("rep-button").hidden = m !== "reps";
    $("hold-button").hidden = m === "reps" || timing;
    $("pause-button").hidden = !timing;
    if (!timing) {
      if (m === "hold") {
        $("counter").textContent = seconds(it.hold_s);
        $("counter-help").textContent = "Press start, then hold the position until the beep.";
        $("hold-button").textContent = "Start the hold";
      } else if (m === "holdreps") {
        $("counter").textContent = state.count + " / " + it.reps;
        $("counter-help").textContent = "Each rep is held for " + it.hold_s + " s; the player counts for you.";
        $("hold-button").textContent = state.count ? "Carry on" : "Start";
      } else {
        $("counter").textContent = state.count + " / " + it.reps;
        $("counter-help").textContent = "Tap +1 after each rep, slowly: 2 s up, 2 s down.";
      }
    }
  }
  function render() {
    Object.keys(screens).forEach(function (name) {
      screens[name].hidden = true;
    });
    $("fallback-list").hidden = state.screen !== "intro";
    if (state.screen === "intro") {
      screens.intro.hidden = false;
      return;
    }
    if (state.screen === "finish") {
      screens.finish.hidden = false;
      return;
    }
    if (state.screen === "done") {
      screens.done.hidden = false;
      return;
    }
    screens.exercise.hidden = false;
    renderExercise();
    panels.work.hidden = state.screen !== "work";
    panels.rest.hidden = state.screen !== "rest";
    panels.pain.hidden = state.screen !== "pain";
    if (state.screen === "work") {
      renderWork();
    }
    if (state.screen === "rest") {
      var it = item();
      var setNo = Math.floor(state.step / sides(it)) + 1;
      $("rest-next").textContent = "Next: set " + setNo + " of " + it.sets + ".";
    }
    if (state.screen === "pain") {
      panels.pain.reset();
      $("pain-error").hidden = true;
      $("next-button").textContent = state.index + 1 >= items.length ? "Finish" : "Next exercise";
    }
    store();
  }

  // ------------------------------------------------------------------ buttons
  $("start-button").addEventListener("click", function () {
    unlockAudio();
    keepAwake();
    if (!state.startedAt) {
      var now = new Date();
      state.startedAt = localIso(now);
      state.localDate = localDate(now);
    }
    state.screen = state.screen === "intro" || state.screen === "rest" ? "work" : state.screen;
    state.timer = null;
    render();
    $("exercise-name").focus();
  });
  $("restart-button").addEventListener("click", function () {
    state = fresh();
    $("resume-note").hidden = true;
    $("restart-button").hidden = true;
    $("start-button").textContent = "Start session";
    render();
  });
  $("rep-button").addEventListener("click", function () {
    var it = item();
    state.count += 1;
    $("counter").textContent = state.count + " / " + it.reps;
    store();
    if (state.count >= it.reps) {
      cue.end();
      finishStep(true);
    }
  });
  $("hold-button").addEventListener("click", function () {
    unlockAudio();
    startTimer("hold", item().hold_s);
    renderWork();
  });
  $("pause-button").addEventListener("click", function () {
    stopTimer();
    say("Paused. The hold starts again from the beginning.");
    renderWork();
  });
  $("set-done-button").addEventListener("click", function () {
    var it = item();
    var full = mode(it) !== "hold" && state.count >= it.reps;
    finishStep(full);
  });
  $("skip-rest-button").addEventListener("click", function () {
    stopTimer();
    show("work");
  });
  panels.pain.addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = panels.pain.querySelector("input[name=pain]:checked");
    if (!chosen) {
      $("pain-error").hidden = false;
      return;
    }
    log(item(), Number(chosen.value), false);
    nextExercise();
  });
  $("skip-button").addEventListener("click", function () {
    stopTimer();
    log(item(), null, true);
    nextExercise();
  });
  $("end-button").addEventListener("click", function () {
    stopTimer();
    var it = item();
    if (state.doneSteps > 0 && !state.logs[it.slug]) {
      log(it, null, false);
    }
    state.ended = true;
    state.screen = "finish";
    send("partial");
    render();
    $("finish-heading").focus();
  });
  screens.finish.addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = screens.finish.querySelector("input[name=effort]:checked");
    if (!chosen) {
      $("effort-error").hidden = false;
      return;
    }
    state.effort = Number(chosen.value);
    var done = Object.keys(state.logs).filter(function (slug) {
      return !state.logs[slug].skipped;
    }).length;
    var status = state.ended || done === 0 ? "partial" : "complete";
    $("done-summary").textContent =
      "You did " + done + " of " + items.length + " exercises" + (state.ended ? " before stopping. That is saved as a partly done session." : ".");
    send(status);
    letSleep();
    state.screen = "done";
    render();
    localStorage.removeItem(STORE);
    $("done-heading").focus();
  });

  function showSync(pending) {
    var node = $("sync-status");
    if (pending === 0) {
      node.textContent = "Your results are saved.";
      node.className = "notice notice--success";
    } else {
      node.textContent = "Your results are saved on this phone. They will be sent when you are back online.";
      node.className = "notice notice--warning";
    }
  }
  if (outbox) {
    outbox.onChange(showSync);
  }

  document.addEventListener("visibilitychange", function () {
    var active = state.startedAt && state.screen !== "done" && state.screen !== "intro";
    if (document.visibilityState === "hidden" && active) {
      send("partial");
    } else if (document.visibilityState === "visible" && active) {
      keepAwake();
    }
  });

  // ------------------------------------------------------------------ start up
  $("player-noscript").hidden = true;
  var unfinished = state.startedAt && state.screen !== "done" && state.owner === owner;
  if (unfinished && state.localDate === localDate(new Date())) {
    $("resume-note").hidden = false;
    $("restart-button").hidden = false;
    $("start-button").textContent = "Carry on";
    state.timer = null;
    var resumeAt = state.screen;
    state.screen = "intro";
    render();
    state.screen = resumeAt === "rest" ? "work" : resumeAt;
  } else {
    state = fresh();
    render();
  }
})();
