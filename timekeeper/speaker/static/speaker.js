// The speaker screen in a browser: a mirror of timekeeper/speaker/display.py.
//
// The server sends the show as timestamps; this page recomputes the digits every
// frame from its own clock mapped to the operator's show clock (NTP-style pings:
// the sample with the shortest round trip wins), so it counts smoothly, agrees
// with every other screen, and keeps counting when the connection drops.
// Keep `compute` in step with display.compute_display (tests compare the two).
"use strict";
(function () {
  const VERSION = 1;
  const PING_EVERY = 500; // ms between clock pings: each is answered, so the page hears the operator
  const QUIET = 1500; // ms without a message before the page says it is not hearing the operator
  const SILENCE = 3000; // ms without any message before the connection counts as dead
  const BACKOFF = { first: 250, factor: 2, most: 1000, jitter: 0.2 };
  const CHIMES = { warning: 1, danger: 2, overtime: 3 }; // mirror of speaker/chimes.py
  const SEVERITY = { normal: 0, warning: 1, danger: 2, overtime: 3 };
  const CHIME_GAP = 450; // ms between the chimes of one cue
  const SAMPLES = 8;
  const FRAME = 100; // ms between frames

  const params = new URLSearchParams(location.search);
  // ?transparent=1: an OBS browser source over the stream. It never flashes or blinks unless
  // asked (?flash=1), and never makes a sound.
  const obsSource = params.get("transparent") === "1" || params.get("bg") === "transparent";
  if (obsSource) document.documentElement.classList.add("transparent");
  const steady = obsSource && params.get("flash") !== "1";
  if (steady) document.documentElement.classList.add("steady");
  const wantSound = params.get("sound") === "1" && !obsSource;
  const lang = (params.get("lang") || "en").toLowerCase().split(/[-_]/)[0];

  // The words: static/i18n/<lang>.json, the same files the terminal screen reads.
  let words = null;
  function t(key, fields) {
    const table = words ? words.strings : {};
    let text = table[key] ?? key;
    for (const [k, v] of Object.entries(fields || {})) text = text.split(`{${k}}`).join(v);
    return text;
  }
  const pad2 = (n) => String(n).padStart(2, "0");

  let snap = null; // last snapshot (raw JSON, instants already parsed to epoch ms)
  let connected = false;
  let samples = []; // {local, show, speed, rtt}
  let provisional = null;
  const pings = new Map();
  let counter = 0;
  let lastHeard = 0;

  const local = () => performance.now();

  // ------------------------------------------------------------ clock

  function sync() {
    if (samples.length) return samples.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    return provisional;
  }
  function sample(sent, received, showTime, speed) {
    const rtt = received - sent;
    if (rtt < 0) return;
    samples.push({ local: sent + rtt / 2, show: showTime, speed: speed, rtt: rtt });
    if (samples.length > SAMPLES) samples.shift();
  }
  function arrived(showTime, speed, at) {
    provisional = { local: at, show: showTime, speed: speed, rtt: Infinity };
  }
  const showAt = (s, l) => s.show + (l - s.local) * s.speed;

  // ------------------------------------------------------------ display (mirror of Python)

  // The countdown rule of timekeeper/core/countdown.py, checked against the same table
  // (tests/vectors/countdown.json) in headless Chromium. Both take whole milliseconds.
  function clockText(total) {
    const t = Math.max(0, total);
    const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    const mm = String(m).padStart(2, "0"), ss = String(s).padStart(2, "0");
    return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
  }
  function countdownText(ms) {
    // time left rounds up (00:01 in the last second); overtime rounds down from +00:00
    if (ms < 0) return "+" + clockText(Math.floor(-ms / 1000));
    return clockText(Math.ceil(ms / 1000));
  }
  function phaseAt(remaining, warning, danger) {
    if (remaining < 0) return "overtime";
    if (remaining <= danger) return "danger";
    if (remaining <= warning) return "warning";
    return "normal";
  }
  // whole milliseconds: float noise from performance.now() must not flip a second or a phase
  const ms = (x) => Math.round(x) || 0;
  function countdownAt(t, now) {
    const left = ms(t.deadline - now);
    return {
      text: countdownText(left),
      phase: phaseAt(left, ms(t.deadline - t.warning_at), ms(t.deadline - t.danger_at)),
    };
  }
  const formatters = {};
  function zoned(ms, tz) {
    // the hour and minute of an instant in the event's timezone
    const key = "parts" + tz;
    if (!formatters[key]) {
      formatters[key] = new Intl.DateTimeFormat("en-GB", {
        timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      });
    }
    const parts = formatters[key].formatToParts(new Date(ms));
    const get = (type) => Number(parts.find((p) => p.type === type).value);
    return { h: get("hour"), m: get("minute") };
  }
  function hhmm(ms, tz) {
    // hours and minutes as the screen's language writes them (mirror of i18n.Strings.time)
    const z = zoned(ms, tz);
    return t("time", { HH: pad2(z.h), H: String(z.h), MM: pad2(z.m) });
  }
  // ", 5:00": the next turn's length (mirror of display._budget)
  function budget(seconds) {
    if (typeof seconds !== "number") return "";
    const whole = Math.round(seconds);
    const h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
    const two = (n) => String(n).padStart(2, "0");
    return h ? `, ${h}:${two(m)}:${two(s)}` : `, ${m}:${two(s)}`;
  }

  function timeOfDay(ms, tz, seconds) {
    const key = tz + seconds;
    if (!formatters[key]) {
      const opts = { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      if (seconds) opts.second = "2-digit";
      formatters[key] = new Intl.DateTimeFormat("en-GB", opts);
    }
    return formatters[key].format(new Date(ms));
  }

  // The live slot's countdown, or its turn's: a countdown a hard start cuts counts to that
  // start (its deadline is the limit) and says so (mirror of display._live_countdown).
  function cutLabel(cd, tz) {
    return cd.cut ? t("cut", { title: cd.cut.title, time: hhmm(cd.cut.at, tz) }) : "";
  }
  function liveCountdown(live, turn, now, tz) {
    const cd = turn ? turn.countdown : live.countdown;
    const shown = countdownAt(cd, now);
    const cut = cutLabel(cd, tz);
    let label = t(shown.phase === "overtime" ? "overtime" : "remaining");
    if (cut && shown.phase !== "overtime") label = `${label} ${cut}`;
    let slotLine = "";
    if (turn) {
      const left = countdownAt(live.countdown, now).text;
      slotLine = t(left[0] === "+" ? "slot_over" : "slot_left", { title: live.title, left });
      if (live.countdown.cut && !cut) slotLine = `${slotLine} ${cutLabel(live.countdown, tz)}`;
    }
    return { digits: shown.text, phase: shown.phase, label, slotLine, cut };
  }
  const phaseWord = (phase) => (phase === "normal" ? "" : t(`phase_${phase}`));

  function compute(s, now, blinkOn, status) {
    const tz = s.event.timezone;
    let digits = "--:--", phase = "normal", label = "", name = "", title = "", next = "", slotLine = "";
    let cut = "";
    if (s.mode === "live" && s.live) {
      ({ digits, phase, label, slotLine, cut } = liveCountdown(s.live, s.turn, now, tz));
      title = s.live.title;
      name = s.turn ? s.turn.speaker : s.live.speakers.join(", ");
      if (s.next_turn) {
        next = t("next_turn", { speaker: s.next_turn.speaker }) + budget(s.next_turn.seconds);
      }
      else if (s.next) {
        const start = s.next.expected_start ?? s.next.planned_start;
        next = t("next_slot", { title: s.next.title, time: hhmm(start, tz) });
      }
    } else if ((s.mode === "before" || s.mode === "between") && s.next) {
      const start = s.next.expected_start ?? s.next.planned_start;
      const until = start - now;
      digits = countdownText(Math.max(ms(until), 0));
      label = t(until > 0 ? (s.mode === "before" ? "starts_in" : "next_in") : "starting");
      title = s.next.title;
      name = s.next.speakers.join(", ");
      next = t("at", { time: hhmm(start, tz) });
    } else if (s.mode === "ended") {
      digits = timeOfDay(now, tz, false);
      label = t("ended");
    }
    let rehearsal = "";
    if (s.rehearsal) rehearsal = s.speed === 1 ? t("rehearsal") : `${t("rehearsal")} ×${s.speed}`;
    return {
      digits, phase, label, name, title, next, slot_line: slotLine,
      clock: timeOfDay(now, tz, true), event: s.event.title, rehearsal,
      message: s.message ? s.message.text : "", flash: s.message ? s.message.flash : false,
      disconnected: Boolean(status), status, blink_on: blinkOn, cut,
      phase_word: phaseWord(phase), rtl: Boolean(words && words.dir === "rtl"),
    };
  }

  function current() {
    const l = local();
    const blinkOn = (l % 1000) < 500;
    const s = sync();
    if (!snap || !s || !words) {
      return {
        digits: "--:--", phase: "normal", label: words ? t("waiting") : "", name: "", title: "",
        next: "", slot_line: "", clock: "", event: "", rehearsal: "", message: "", flash: false,
        disconnected: true, status: words ? t("connecting_to", { host: location.host }) : "",
        blink_on: blinkOn, cut: "", phase_word: "", rtl: Boolean(words && words.dir === "rtl"),
      };
    }
    let status = "";
    if (!connected) status = t("disconnected");
    else if (l - lastHeard > QUIET) status = t("silent"); // connected, but the operator is quiet
    const d = compute(snap, showAt(s, l), blinkOn, status);
    if (steady) { d.flash = false; d.blink_on = true; }
    return d;
  }

  // ------------------------------------------------------------ chimes (mirror of chimes.py)

  function Chimes() {
    let key = null, severity = 0, message = null;
    return function cue(d) {
      const k = JSON.stringify([d.title, d.name]);
      const sev = SEVERITY[d.phase] || 0;
      let n = 0;
      if (message === null) message = d.message; // first sight: what is on screen is not news
      if (k === key && sev > severity) n = CHIMES[d.phase] || 0;
      key = k; severity = sev;
      if (d.message !== message) {
        if (d.message && d.flash) n = Math.max(n, 1);
        message = d.message;
      }
      return n;
    };
  }
  const chimes = Chimes();
  let audio = null;
  function chime(count) {
    if (!audio || audio.state !== "running") return;
    for (let i = 0; i < count; i++) {
      const at = audio.currentTime + (i * CHIME_GAP) / 1000;
      const osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.setValueAtTime(880, at);
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02); // soft: a quick swell, a slow fade
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.6);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.65);
    }
  }
  function enableSound() {
    // browsers start audio only after a click or a key: the page asks for one (?sound=1)
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      audio.resume();
    } catch (e) { audio = null; }
    document.body.classList.toggle("sound-asks", !audio || audio.state !== "running");
    if (audio) audio.onstatechange = () => {
      document.body.classList.toggle("sound-asks", audio.state !== "running");
    };
  }

  // ------------------------------------------------------------ rendering

  const el = {};
  for (const id of ["event", "rehearsal", "clock", "status", "title", "speaker", "label",
    "digits", "slotline", "next", "message", "phase", "sound"]) el[id] = document.getElementById(id);
  let last = "";

  function render() {
    const d = current();
    const cue = chimes(d);
    if (cue && wantSound) chime(cue);
    const key = JSON.stringify(d);
    if (key === last) return;
    last = key;
    set("phase", d.phase_word);
    document.documentElement.dir = d.rtl ? "rtl" : "ltr";
    set("event", d.event); set("rehearsal", d.rehearsal); set("clock", d.clock);
    set("status", d.status); set("title", d.title); set("speaker", d.name);
    set("label", d.label); set("digits", d.digits); set("slotline", d.slot_line);
    set("next", d.next); set("message", d.message);
    document.documentElement.style.setProperty("--chars", String(Math.max(4, d.digits.length)));
    const b = document.body.classList;
    for (const p of ["normal", "warning", "danger", "overtime"]) b.toggle(`phase-${p}`, d.phase === p);
    b.toggle("blink-off", !d.blink_on);
    b.toggle("has-message", Boolean(d.message));
    b.toggle("flash", d.flash);
    b.toggle("disconnected", d.disconnected);
    b.toggle("cut", Boolean(d.cut));
    document.body.dataset.phase = d.phase;
  }

  // ------------------------------------------------------------ messages

  const MS_KEYS = ["start", "deadline", "warning_at", "danger_at"];
  function parseSnapshot(m) {
    if (m.v !== VERSION || m.type !== "snapshot") throw new Error("not a v1 snapshot");
    const times = (cd) => {
      const out = { cut: cd.cut || null }; // the hard start that cuts it: only its label is shown
      for (const k of MS_KEYS) {
        out[k] = Date.parse(cd[k]);
        if (Number.isNaN(out[k])) throw new Error(`bad instant ${k}`);
      }
      return out;
    };
    if (m.live) m.live.countdown = times(m.live.countdown);
    if (m.turn) m.turn.countdown = times(m.turn.countdown);
    if (m.next) {
      m.next.planned_start = Date.parse(m.next.planned_start);
      m.next.expected_start = m.next.expected_start ? Date.parse(m.next.expected_start) : null;
    }
    m.show_time = Date.parse(m.show_time);
    return m;
  }

  function set(id, text) { if (el[id].textContent !== text) el[id].textContent = text; }

  let fresh = false;
  function handle(text, at) {
    let m;
    try { m = JSON.parse(text); } catch (e) { return; }
    if (!m || m.v !== VERSION) return;
    if (fresh && m.show_time) { fresh = false; samples = []; provisional = null; }
    if (m.type === "snapshot") {
      try { snap = parseSnapshot(m); } catch (e) { console.warn("speaker: bad snapshot", e); return; }
      arrived(snap.show_time, snap.speed, at);
      connected = true;
    } else if (m.type === "pong" && pings.has(m.t)) {
      sample(pings.get(m.t), at, Date.parse(m.show_time), m.speed);
      pings.delete(m.t);
    } else if (m.type === "time" || m.type === "pong") {
      arrived(Date.parse(m.show_time), m.speed, at);
    }
    render();
  }

  // ------------------------------------------------------------ connection

  let delay = BACKOFF.first;
  function nextDelay() {
    const d = delay * (1 + Math.random() * BACKOFF.jitter);
    delay = Math.min(delay * BACKOFF.factor, BACKOFF.most);
    return d;
  }

  async function fetchState() {
    // A first picture before the WebSocket is up (and its round trip is a clock sample too).
    try {
      const sent = local();
      const resp = await fetch("/state", { cache: "no-store" });
      const m = await resp.json();
      const received = local();
      if (snap) return;
      snap = parseSnapshot(m);
      sample(sent, received, snap.show_time, snap.speed);
      render();
    } catch (e) { /* the WebSocket will tell */ }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let ws;
    try { ws = new WebSocket(scheme + location.host + "/ws"); } catch (e) { retry(); return; }
    let pinger = null;
    const ping = () => {
      if (ws.readyState !== WebSocket.OPEN) return;
      counter += 1;
      pings.set(counter, local());
      for (const k of pings.keys()) if (k <= counter - SAMPLES) pings.delete(k);
      ws.send(JSON.stringify({ v: VERSION, type: "ping", t: counter }));
    };
    ws.onopen = () => {
      fresh = true; // drop the old clock anchor when the new one arrives, not before
      pings.clear();
      delay = BACKOFF.first;
      lastHeard = local();
      ping();
      pinger = setInterval(() => {
        if (local() - lastHeard > SILENCE) { ws.close(); return; }
        ping();
      }, PING_EVERY);
    };
    ws.onmessage = (ev) => { lastHeard = local(); handle(ev.data, local()); };
    ws.onclose = () => {
      if (pinger) clearInterval(pinger);
      connected = false;
      render();
      retry();
    };
  }
  function retry() { setTimeout(connect, nextDelay()); }

  // Keep a tablet's screen awake while it is the speaker screen (where the browser allows it).
  async function stayAwake() {
    try { if (navigator.wakeLock) await navigator.wakeLock.request("screen"); } catch (e) { /* fine */ }
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) stayAwake(); });

  async function loadWords() {
    for (const code of [lang, "en"]) {
      try {
        const resp = await fetch(`/i18n/${encodeURIComponent(code)}.json`, { cache: "no-cache" });
        if (resp.ok) { useWords(await resp.json()); return; }
      } catch (e) { /* the next one */ }
    }
    useWords({ lang: "en", dir: "ltr", strings: {} }); // an old server: keys rather than nothing
  }
  function useWords(w) {
    words = w;
    document.documentElement.lang = w.lang;
    el.speaker.dataset.title = t("speaking");
    set("sound", t("sound_prompt"));
    last = "";
    render();
  }

  // how long since the operator was last heard, and whether the socket is up (tests, the curious)
  const health = () => ({ quietFor: local() - lastHeard, connected });
  window.speakerScreen = {
    current, compute, countdownText, phaseAt, useWords, Chimes, parseSnapshot, health,
  };
  if (wantSound) {
    document.body.classList.add("sound-asks");
    const unlock = () => enableSound();
    document.addEventListener("click", unlock);
    document.addEventListener("keydown", unlock);
  }
  render();
  loadWords().then(() => { fetchState(); connect(); });
  stayAwake();
  setInterval(render, FRAME);
})();
