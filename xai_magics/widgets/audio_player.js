// AudioPlayer: plays speech while it streams in from the kernel.
//
// The kernel sends each audio piece as a binary buffer in a custom message
// ({type: "chunk", seq, chars?, starts?, ends?} + buffers[0]); it ends with {type: "end", chunks, status}
// or {type: "clear"}. Pieces are decoded here (16-bit PCM, G.711 mu-law/A-law, streamed WAV) and
// scheduled back to back on one AudioContext, so playback starts with the first piece.
// MP3 cannot be cut at arbitrary byte boundaries, so it is decoded once the clip is complete.
//
// anywidget hands different model objects to initialize() and render(), and custom messages are
// delivered to the model, not to views: the audio therefore lives in a module-level Map keyed by
// the synced uid, and views only display it. Text from the model is set with textContent only.

const players = new Map();
const LEAD_S = 0.05; // schedule this far ahead of "now" so the first samples are never cut

function ulawSample(byte) {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

function alawSample(byte) {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) t += 8;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

const ULAW = Int16Array.from({ length: 256 }, (_, b) => ulawSample(b));
const ALAW = Int16Array.from({ length: 256 }, (_, b) => alawSample(b));

function bytesOf(view) {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

function concat(parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

// 16-bit PCM as floats; an odd trailing byte is carried into the next piece.
function pcmToFloat(st, bytes) {
  let data = bytes;
  if (st.carry) {
    data = concat([st.carry, bytes]);
    st.carry = null;
  }
  if (data.length % 2) {
    st.carry = data.slice(data.length - 1);
    data = data.subarray(0, data.length - 1);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float32Array(data.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true) / 32768;
  return out;
}

function g711ToFloat(bytes, table) {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]] / 32768;
  return out;
}

// Streamed WAV: the header arrives in the first piece(s); returns the sample bytes after it.
function stripWavHeader(st, bytes) {
  if (st.wav) return bytes;
  st.headerBytes = st.headerBytes ? concat([st.headerBytes, bytes]) : bytes;
  const h = st.headerBytes;
  const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
  if (h.length < 12) return new Uint8Array(0);
  let pos = 12;
  let fmt = null;
  while (pos + 8 <= h.length) {
    const id = String.fromCharCode(h[pos], h[pos + 1], h[pos + 2], h[pos + 3]);
    const size = view.getUint32(pos + 4, true);
    if (id === "data") {
      if (!fmt) throw new Error("WAV data chunk before fmt chunk");
      st.wav = fmt;
      st.sampleRate = fmt.rate;
      const rest = h.slice(pos + 8);
      st.headerBytes = h.slice(0, pos + 8);
      return rest;
    }
    if (pos + 8 + size > h.length) return new Uint8Array(0);
    if (id === "fmt ") {
      fmt = { tag: view.getUint16(pos + 8, true), rate: view.getUint32(pos + 12, true) };
    }
    pos += 8 + size + (size & 1);
  }
  return new Uint8Array(0);
}

function decode(st, bytes) {
  switch (st.codec) {
    case "pcm":
      return pcmToFloat(st, bytes);
    case "mulaw":
      return g711ToFloat(bytes, ULAW);
    case "alaw":
      return g711ToFloat(bytes, ALAW);
    case "wav": {
      const samples = stripWavHeader(st, bytes);
      if (!st.wav) return new Float32Array(0);
      if (st.wav.tag === 7) return g711ToFloat(samples, ULAW);
      if (st.wav.tag === 6) return g711ToFloat(samples, ALAW);
      return pcmToFloat(st, samples);
    }
    default:
      return null; // mp3: decoded whole at the end
  }
}

function ensureContext(st) {
  if (!st.ctx) {
    st.ctx = new AudioContext();
    st.ctx.onstatechange = () => refresh(st);
  }
  return st.ctx;
}

function schedule(st, samples, rate) {
  const ctx = ensureContext(st);
  const buffer = ctx.createBuffer(1, samples.length, rate);
  buffer.copyToChannel(samples, 0);
  scheduleBuffer(st, buffer);
}

function scheduleBuffer(st, buffer) {
  const ctx = st.ctx;
  const src = ctx.createBufferSource();
  src.buffer = buffer;
  src.connect(ctx.destination);
  const earliest = ctx.currentTime + LEAD_S;
  if (st.segments.length && st.nextTime < earliest) st.underruns += 1;
  const at = Math.max(st.nextTime, earliest);
  src.start(at);
  st.segments.push({ at, clipStart: st.clipDuration, duration: buffer.duration });
  st.clipDuration += buffer.duration;
  st.nextTime = at + buffer.duration;
  st.sources.add(src);
  src.onended = () => {
    st.sources.delete(src);
    st.ended += 1;
    refresh(st);
  };
  st.scheduled += 1;
  if (st.startAt === null) {
    st.startAt = at;
    setTimeout(() => noteStart(st), Math.max(0, (at - ctx.currentTime) * 1000) + 5);
  }
  tick(st);
}

// Records how many pieces had arrived when sound actually began: the proof of streaming.
function noteStart(st) {
  if (st.disposed || st.startedAtChunk !== null || st.startAt === null || !st.ctx) return;
  if (st.ctx.currentTime >= st.startAt) {
    st.startedAtChunk = st.received;
    refresh(st);
  } else {
    setTimeout(() => noteStart(st), 20);
  }
}

function addMarks(st, msg) {
  if (!Array.isArray(msg.chars) || !Array.isArray(msg.starts)) return;
  const n = Math.min(msg.chars.length, msg.starts.length);
  for (let i = 0; i < n; i++) {
    const text = String(msg.chars[i]);
    st.marks.push({ text, start: Number(msg.starts[i]), offset: st.marksText.length });
    st.marksText += text;
  }
}

function onChunk(st, msg, buffers) {
  if (st.status === "stopped") return;
  st.received += 1;
  st.status = "streaming";
  if (!buffers || !buffers.length) throw new Error(`audio piece ${msg.seq} has no data`);
  const bytes = bytesOf(buffers[0]);
  st.raw.push(bytes);
  addMarks(st, msg);
  const samples = decode(st, bytes);
  if (samples === null) {
    st.pendingWhole += 1;
  } else if (samples.length) {
    schedule(st, samples, st.sampleRate);
  } else {
    st.scheduled += 1; // a header-only piece: nothing to play, nothing lost
  }
  noteStart(st);
}

async function decodeWhole(st) {
  const ctx = ensureContext(st);
  const whole = concat(st.raw);
  const buffer = await ctx.decodeAudioData(whole.buffer.slice(0));
  scheduleBuffer(st, buffer);
  st.scheduled += st.pendingWhole - 1;
  st.pendingWhole = 0;
  refresh(st);
}

function stopAll(st) {
  for (const src of st.sources) {
    src.onended = null;
    try {
      src.stop();
    } catch (_) {
      // a source that never started cannot be stopped; dropping it is enough
    }
  }
  st.sources.clear();
}

function onMessage(st, msg, buffers) {
  try {
    if (msg.type === "chunk") onChunk(st, msg, buffers);
    else if (msg.type === "end") {
      st.expected = msg.chunks;
      st.status = msg.status || "complete";
      st.note = msg.note || "";
      if (st.pendingWhole) {
        decodeWhole(st).catch((err) => fail(st, err));
      }
    } else if (msg.type === "clear") {
      stopAll(st);
      st.status = "stopped";
      st.note = msg.note || "";
    }
  } catch (err) {
    fail(st, err);
  }
  refresh(st);
}

function fail(st, err) {
  st.status = "error";
  st.note = `audio could not be played: ${err && err.message ? err.message : err}`;
  console.warn("xai_magics AudioPlayer:", err);
  refresh(st);
}

function position(st) {
  if (st.pendingSeek !== null) return st.pendingSeek;
  if (!st.ctx || st.startAt === null) return 0;
  const now = st.ctx.currentTime;
  let pos = 0;
  for (const seg of st.segments) {
    if (seg.at > now) break;
    pos = seg.clipStart + Math.min(now - seg.at, seg.duration);
  }
  return pos;
}

function currentMark(st, pos) {
  let lo = 0;
  let hi = st.marks.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (st.marks[mid].start <= pos) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

// Where each character of the timestamps' text sits in the full text, or null when they differ
// by more than whitespace: the service times each sentence on its own, so the marks of two
// sentences spoken back to back have no space between them, while the full text has one.
function placeMarks(full, marksText) {
  const at = new Array(marksText.length + 1);
  let i = 0;
  for (let j = 0; j < marksText.length; j++) {
    while (i < full.length && full[i] !== marksText[j] && /\s/.test(full[i])) i += 1;
    if (i >= full.length || full[i] !== marksText[j]) return null;
    at[j] = i;
    i += 1;
  }
  at[marksText.length] = i;
  return at;
}

// The word being spoken, as [first, end) mark indices; between words, the word just said.
function wordAround(marks, index) {
  const isSpace = (i) => /^\s*$/.test(marks[i].text);
  let start = index;
  while (start > 0 && isSpace(start)) start -= 1;
  if (isSpace(start)) return [0, 0];
  let end = start + 1;
  while (start > 0 && !isSpace(start - 1)) start -= 1;
  while (end < marks.length && !isSpace(end)) end += 1;
  return [start, end];
}

function tick(st) {
  if (st.frame !== null) return;
  const loop = () => {
    st.frame = null;
    refresh(st);
    const playing = st.sources.size > 0 || st.pendingWhole > 0;
    if (playing && st.views.size) st.frame = requestAnimationFrame(loop);
  };
  st.frame = requestAnimationFrame(loop);
}

function refresh(st) {
  for (const view of st.views) view.update();
}

function wavBlob(st, pcm16, rate) {
  const header = new DataView(new ArrayBuffer(44));
  const text = (pos, s) => [...s].forEach((c, i) => header.setUint8(pos + i, c.charCodeAt(0)));
  text(0, "RIFF");
  header.setUint32(4, 36 + pcm16.byteLength, true);
  text(8, "WAVE");
  text(12, "fmt ");
  header.setUint32(16, 16, true);
  header.setUint16(20, 1, true);
  header.setUint16(22, 1, true);
  header.setUint32(24, rate, true);
  header.setUint32(28, rate * 2, true);
  header.setUint16(32, 2, true);
  header.setUint16(34, 16, true);
  text(36, "data");
  header.setUint32(40, pcm16.byteLength, true);
  return new Blob([header, pcm16], { type: "audio/wav" });
}

function clipBlob(st) {
  const whole = concat(st.raw);
  if (st.codec === "mp3") return new Blob([whole], { type: "audio/mpeg" });
  if (st.codec === "pcm") return wavBlob(st, whole.subarray(0, whole.length & ~1), st.sampleRate);
  if (st.codec === "mulaw" || st.codec === "alaw") {
    const table = st.codec === "mulaw" ? ULAW : ALAW;
    const pcm = new Int16Array(whole.length);
    for (let i = 0; i < whole.length; i++) pcm[i] = table[whole[i]];
    return wavBlob(st, pcm, st.sampleRate);
  }
  const headerLength = st.headerBytes ? st.headerBytes.length : 0;
  const samples = whole.subarray(headerLength);
  if (st.wav && st.wav.tag === 1) return wavBlob(st, samples.subarray(0, samples.length & ~1), st.sampleRate);
  return new Blob([whole], { type: "audio/wav" });
}

// The whole clip as one buffer, built once all of it has arrived (for replay and seeking).
async function wholeBuffer(st) {
  if (st.whole && st.whole.pieces === st.raw.length) return st.whole.buffer;
  const ctx = ensureContext(st);
  let buffer = null;
  if (st.codec === "mp3") {
    buffer = await ctx.decodeAudioData(concat(st.raw).buffer.slice(0));
  } else {
    const saved = { carry: st.carry, wav: st.wav, headerBytes: st.headerBytes };
    st.carry = null;
    st.wav = null;
    st.headerBytes = null;
    const samples = decode(st, concat(st.raw));
    Object.assign(st, saved);
    if (samples && samples.length) {
      buffer = ctx.createBuffer(1, samples.length, st.sampleRate);
      buffer.copyToChannel(samples, 0);
    }
  }
  st.whole = { pieces: st.raw.length, buffer };
  return buffer;
}

// Play the whole clip from `offset` seconds: after the end, or where the seek bar was let go.
function replay(st, offset = 0) {
  stopAll(st);
  const ctx = ensureContext(st);
  // Until the clip is (re)built, the position is where it will start, not the old playback's.
  const seekId = (st.seekId = (st.seekId || 0) + 1);
  st.pendingSeek = Math.max(0, offset);
  const settled = () => {
    if (st.seekId === seekId) st.pendingSeek = null;
  };
  refresh(st);
  wholeBuffer(st).then((buffer) => {
    if (st.seekId !== seekId) return; // a later seek replaced this one
    settled();
    if (!buffer || st.disposed) return;
    const from = Math.min(Math.max(0, offset), buffer.duration);
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(ctx.destination);
    const at = ctx.currentTime + LEAD_S;
    src.start(at, from);
    // One segment that began `from` seconds before `at`: position() reads `from` at `at`.
    st.segments = [{ at: at - from, clipStart: 0, duration: buffer.duration }];
    st.clipDuration = buffer.duration;
    st.nextTime = at - from + buffer.duration;
    st.startAt = at - from;
    st.sources.add(src);
    src.onended = () => {
      st.sources.delete(src);
      refresh(st);
    };
    tick(st);
    refresh(st);
  }, (err) => {
    settled();
    fail(st, err);
  });
}

function newState(model) {
  return {
    codec: model.get("codec"),
    sampleRate: model.get("sample_rate"),
    ctx: null,
    nextTime: 0,
    startAt: null,
    segments: [],
    clipDuration: 0,
    sources: new Set(),
    raw: [],
    carry: null,
    wav: null,
    headerBytes: null,
    pendingWhole: 0,
    received: 0,
    scheduled: 0,
    ended: 0,
    underruns: 0,
    expected: null,
    startedAtChunk: null,
    marks: [],
    marksText: "",
    status: model.get("status"),
    note: model.get("note"),
    whole: null,
    pendingSeek: null,
    seekId: 0,
    userPaused: false,
    disposed: false,
    frame: null,
    views: new Set(),
  };
}

function formatTime(s) {
  const whole = Math.max(0, Math.floor(s));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

const STATUS_TEXT = {
  waiting: "waiting for audio",
  streaming: "streaming",
  complete: "complete",
  incomplete: "incomplete",
  stopped: "stopped",
  error: "error",
};

function element(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

function createView(st, model, el) {
  el.classList.add("xai-audio-player");
  const bar = element("div", "xai-audio-bar", el);
  const play = element("button", "xai-audio-play", bar);
  play.type = "button";
  const resume = element("button", "xai-audio-resume", bar);
  resume.type = "button";
  resume.textContent = "Resume audio";
  resume.title = "The browser paused audio until you interact with the page";
  const seek = element("input", "xai-audio-seek", bar);
  seek.type = "range";
  seek.min = "0";
  seek.step = "any";
  seek.setAttribute("aria-label", "Position in the clip");
  const time = element("span", "xai-audio-time", bar);
  const status = element("span", "xai-audio-status", bar);
  const download = element("a", "xai-audio-download", bar);
  download.textContent = "Download";
  const note = element("div", "xai-audio-note", el);
  const text = element("div", "xai-audio-text", el);
  const spoken = element("span", "xai-audio-spoken", text);
  const current = element("mark", "xai-audio-current", text);
  const upcoming = element("span", "xai-audio-upcoming", text);
  let shown = "";
  let objectUrl = null;
  let dragging = false;
  // The cell also keeps the clip as a plain <audio> (for the saved notebook). While this player
  // holds the audio, that copy is hidden: one player per cell. A view without the audio (the
  // page reloaded, the widget restored from saved state) leaves it showing.
  let keptClipHidden = false;
  const hideKeptClip = () => {
    if (keptClipHidden || !st.raw.length) return;
    const uid = String(model.get("uid")).replace(/[^0-9a-f]/g, "");
    const style = element("style", null, el);
    style.textContent = `[data-xai-clip="${uid}"] { display: none; }`;
    keptClipHidden = true;
  };

  play.addEventListener("click", () => {
    const ctx = st.ctx;
    const finished = st.sources.size === 0 && st.pendingWhole === 0;
    if (finished && st.raw.length && st.status !== "streaming") {
      st.userPaused = false;
      replay(st);
      if (st.ctx.state === "suspended") st.ctx.resume();
    } else if (ctx && ctx.state === "running") {
      st.userPaused = true;
      ctx.suspend();
    } else if (ctx) {
      st.userPaused = false;
      ctx.resume();
    }
    refresh(st);
  });
  seek.addEventListener("input", () => {
    dragging = true;
    time.textContent = `${formatTime(Number(seek.value))} / ${formatTime(st.clipDuration)}`;
  });
  seek.addEventListener("change", () => {
    dragging = false;
    const paused = st.ctx && st.ctx.state === "suspended";
    replay(st, Number(seek.value));
    if (paused && !st.userPaused && st.ctx) st.ctx.resume();
  });
  resume.addEventListener("click", () => {
    st.userPaused = false;
    if (st.ctx) st.ctx.resume().then(() => refresh(st));
  });
  download.addEventListener("click", () => {
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(clipBlob(st));
    download.href = objectUrl;
    const ext = st.codec === "mp3" ? "mp3" : "wav";
    download.download = `${model.get("filename") || "speech"}.${ext}`;
  });

  // The full text's place for each timestamped character, remade when either text grows.
  let placed = { full: null, length: -1, at: null };
  const update = () => {
    const ctx = st.ctx;
    const state = ctx ? ctx.state : "none";
    const playing = st.sources.size > 0 && state === "running";
    play.textContent = playing ? "Pause" : "Play";
    play.disabled = !st.raw.length;
    resume.hidden = !(ctx && state === "suspended" && !st.userPaused);
    // A view restored without its audio (custom messages are not saved, a page was reloaded)
    // has nothing to play: no controls; the cell's kept clip plays instead.
    bar.hidden = !st.raw.length && !["waiting", "streaming"].includes(st.status);
    const pos = position(st);
    const whole = st.raw.length > 0 && st.status !== "streaming" && st.pendingWhole === 0;
    // Seeking needs the whole clip: the bar follows playback while it streams, then takes input.
    seek.disabled = !whole;
    seek.max = String(st.clipDuration || 0);
    if (!dragging) {
      seek.value = String(Math.min(pos, st.clipDuration));
      time.textContent = `${formatTime(pos)} / ${formatTime(st.clipDuration)}`;
    }
    hideKeptClip();
    // Pieces arriving slower than they play: say so rather than look stuck.
    const starved = st.status === "streaming" && st.received > 0 && st.sources.size === 0;
    status.textContent = starved ? "buffering" : STATUS_TEXT[st.status] || st.status;
    note.textContent = st.note;
    note.hidden = !st.note;
    download.hidden = !whole;

    // The whole text is shown from the start; timestamps, as they arrive, place the highlight.
    const full = model.get("text") || "";
    if (placed.full !== full || placed.length !== st.marksText.length) {
      const at = full.startsWith(st.marksText) ? null : placeMarks(full, st.marksText);
      placed = { full, length: st.marksText.length, at };
    }
    const fits = placed.at !== null || full.startsWith(st.marksText);
    const display = fits ? full : st.marksText;
    const place = (offset) => (placed.at ? placed.at[offset] : offset);
    let from = 0;
    let to = 0;
    const finished = st.sources.size === 0 && st.pendingWhole === 0 && st.status !== "streaming";
    if (st.marks.length && st.segments.length && !finished) {
      const index = currentMark(st, pos);
      if (index >= 0) {
        const [a, b] = wordAround(st.marks, index);
        from = place(st.marks[a].offset);
        to = place(b < st.marks.length ? st.marks[b].offset : st.marksText.length);
      }
    }
    const key = `${from}:${to}:${display.length}`;
    if (key !== shown) {
      spoken.textContent = display.slice(0, from);
      current.textContent = display.slice(from, to);
      upcoming.textContent = display.slice(to);
      shown = key;
    }
    text.hidden = !display;

    const data = el.dataset;
    data.chunksReceived = String(st.received);
    data.chunksScheduled = String(st.scheduled);
    data.chunksEnded = String(st.ended);
    data.chunksExpected = st.expected === null ? "" : String(st.expected);
    data.playingStartedAtChunk = st.startedAtChunk === null ? "" : String(st.startedAtChunk);
    data.underruns = String(st.underruns);
    data.position = pos.toFixed(3);
    data.status = st.status;
    data.audioState = state;
  };

  const view = { update };
  st.views.add(view);
  const onTrait = () => {
    if (st.status === "waiting" || !st.received) st.status = model.get("status");
    st.note = model.get("note") || st.note;
    shown = "";
    update();
  };
  model.on("change:status", onTrait);
  model.on("change:note", onTrait);
  model.on("change:text", onTrait);
  update();
  tick(st);
  return () => {
    st.views.delete(view);
    model.off("change:status", onTrait);
    model.off("change:note", onTrait);
    model.off("change:text", onTrait);
    if (objectUrl) URL.revokeObjectURL(objectUrl);
  };
}

export default {
  initialize({ model }) {
    const uid = model.get("uid");
    const st = newState(model);
    players.set(uid, st);
    // Registered on the model, not in render(): two views of one player must not play twice.
    model.on("msg:custom", (msg, buffers) => onMessage(st, msg, buffers));
    return () => {
      st.disposed = true;
      stopAll(st);
      if (st.ctx) st.ctx.close();
      players.delete(uid);
    };
  },
  render({ model, el }) {
    const st = players.get(model.get("uid"));
    if (!st) {
      el.textContent = "audio player state is missing; re-run the cell";
      return undefined;
    }
    return createView(st, model, el);
  },
};
