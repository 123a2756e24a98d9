// Runs audio_player.js in Node with a scripted AudioContext and a minimal DOM, so the decoding and
// scheduling logic is checked without a browser. Reads a scenario (JSON) on stdin, prints what the
// player scheduled and what its view shows.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const scenario = JSON.parse(readFileSync(0, "utf8"));
const scheduled = [];
let stopped = 0;
let clock = 0;

class FakeBuffer {
  constructor(channels, length, rate) {
    this.length = length;
    this.sampleRate = rate;
    this.duration = length / rate;
    this.samples = new Float32Array(length);
  }
  copyToChannel(data) {
    this.samples.set(data);
  }
}

class FakeSource {
  connect() {}
  start(at) {
    scheduled.push({ at, duration: this.buffer.duration, first: Array.from(this.buffer.samples.slice(0, 8)) });
  }
  stop() {
    stopped += 1;
  }
}

globalThis.AudioContext = class {
  constructor() {
    this.state = "running";
    this.destination = {};
  }
  get currentTime() {
    return clock;
  }
  createBuffer(channels, length, rate) {
    return new FakeBuffer(channels, length, rate);
  }
  createBufferSource() {
    return new FakeSource();
  }
  suspend() {
    this.state = "suspended";
    return Promise.resolve();
  }
  resume() {
    this.state = "running";
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
};

function fakeElement(tag) {
  return {
    tag,
    children: [],
    dataset: {},
    hidden: false,
    textContent: "",
    classList: { add() {} },
    appendChild(child) {
      this.children.push(child);
      return child;
    },
    addEventListener() {},
    setAttribute(name, value) {
      this[name] = value;
    },
  };
}
globalThis.document = { createElement: fakeElement };
globalThis.requestAnimationFrame = (fn) => setTimeout(fn, 1);

function fakeModel(values) {
  const handlers = {};
  return {
    get: (name) => values[name],
    on: (event, fn) => {
      (handlers[event] ||= []).push(fn);
    },
    off: () => {},
    emit: (event, ...args) => (handlers[event] || []).forEach((fn) => fn(...args)),
  };
}

const widget = (await import(pathToFileURL(scenario.module).href)).default;
const values = { uid: "u1", codec: scenario.codec, sample_rate: scenario.rate, status: "waiting", note: "", text: scenario.text || "", filename: "x" };
const model = fakeModel(values);
widget.initialize({ model });
const el = fakeElement("div");
widget.render({ model: fakeModel(values), el });

const texts = [];
for (const step of scenario.steps) {
  if ("advance" in step) {
    clock += step.advance;
    await new Promise((resolve) => setTimeout(resolve, 30));
  } else if ("chunk" in step) {
    const raw = Buffer.from(step.chunk, "base64");
    // A DataView that does not start at offset 0 of its buffer, as the comm delivers it.
    const backing = new Uint8Array(raw.length + 3);
    backing.set(raw, 3);
    const msg = { type: "chunk", seq: step.seq };
    if (step.chars) Object.assign(msg, { chars: step.chars, starts: step.starts });
    model.emit("msg:custom", msg, [new DataView(backing.buffer, 3, raw.length)]);
  } else {
    model.emit("msg:custom", step.message, []);
  }
}
await new Promise((resolve) => setTimeout(resolve, 30));
const text = el.children.find((c) => c.children.length === 3 && c.children[1].tag === "mark");
console.log(JSON.stringify({
  scheduled,
  stopped,
  dataset: el.dataset,
  spoken: text ? text.children.map((c) => c.textContent) : null,
}));
process.exit(0);
