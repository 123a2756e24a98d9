// Runs stream_view.js in Node with a minimal DOM and a scripted anywidget model. Reads a scenario
// (JSON: module path, steps) on stdin; prints what each view shows and what the model sent back.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const scenario = JSON.parse(readFileSync(0, "utf8"));
let innerHTMLWrites = 0;
let templateWrites = 0;

class Node_ {
  constructor(tag, text) {
    this.tag = tag;
    this.children = [];
    this.hidden = false;
    this.className = "";
    this._text = text ?? "";
  }
  append(...nodes) {
    for (const node of nodes) {
      // a template's content (a fragment) gives up its children
      this.children.push(...(node.tag === "#fragment" ? node.children.splice(0) : [node]));
    }
  }
  get classList() {
    return { add: (cls) => (this.className = `${this.className} ${cls}`.trim()) };
  }
  get textContent() {
    if (this.tag === "#text" || this.tag === "#html") return this._text;
    return this.children.map((c) => c.textContent).join("");
  }
  set textContent(value) {
    this.children = value === "" ? [] : [new Node_("#text", String(value))];
  }
  set innerHTML(value) {
    if (this.tag !== "template") {
      innerHTMLWrites += 1;
      return;
    }
    // A template's parse is inert: kept here as "#html" nodes holding the markup, one for each
    // top-level block (the kernel's blocks are HTML elements, each ending its line).
    templateWrites += 1;
    this.content = new Node_("#fragment");
    this.content.children = value.split(/(?<=\n)(?=<)/).map((html) => new Node_("#html", html));
  }
  find(cls) {
    if (this.className.split(" ").includes(cls)) return this;
    for (const c of this.children) {
      const hit = c.find ? c.find(cls) : null;
      if (hit) return hit;
    }
    return null;
  }
  tags() {
    return [this.tag, ...this.children.flatMap((c) => (c.tags ? c.tags() : []))];
  }
}

// Scroll listeners on the document: a step {scroll: true} calls them.
const scrollListeners = new Set();
globalThis.document = {
  createElement: (tag) => new Node_(tag),
  createTextNode: (text) => new Node_("#text", text),
  addEventListener: (type, fn) => type === "scroll" && scrollListeners.add(fn),
  removeEventListener: (type, fn) => type === "scroll" && scrollListeners.delete(fn),
};

function makeModel(uid, sent) {
  const handlers = [];
  return {
    get: (key) => (key === "uid" ? uid : undefined),
    on: (event, fn) => event === "msg:custom" && handlers.push(fn),
    send: (content) => sent.push(content),
    emit: (msg) => handlers.forEach((fn) => fn(msg)),
  };
}

// Whether a view's end is in the window: a step {visible} tells every view's observer.
const observers = [];
globalThis.IntersectionObserver = class {
  constructor(callback) {
    this.callback = callback;
    observers.push(this);
  }
  observe() {}
  disconnect() {
    observers.splice(observers.indexOf(this), 1);
  }
};

// The typesetter a front end may lend (the JupyterLab extension does): records what it is given.
// Each timer's callback is a task of its own: typesetTasks says in which one each typesetting ran.
const typeset = [];
const typesetTasks = [];
const typesetCalls = [];
let task = 0;
const setTimeoutInNode = globalThis.setTimeout;
globalThis.setTimeout = (fn, ms, ...args) =>
  setTimeoutInNode(() => {
    task += 1;
    fn(...args);
  }, ms);
if (scenario.typesetter) {
  globalThis.xaiMagics = {
    typeset: (nodes) => {
      typesetCalls.push(nodes.length);
      for (const node of nodes) {
        typeset.push(node._text);
        typesetTasks.push(task);
      }
      // as long as the scenario says typesetting a block takes, for each block
      const until = performance.now() + (scenario.typesetMs ?? 0) * nodes.length;
      while (performance.now() < until);
    },
  };
}

const widget = (await import(pathToFileURL(scenario.module).href)).default;
const sent = [];
const model = makeModel("u1", sent);
widget.initialize({ model });
const views = [];
for (const step of scenario.steps) {
  if (step.render) {
    const el = new Node_("div");
    // anywidget passes render() a different model object than initialize()
    widget.render({ model: makeModel("u1", sent), el });
    views.push(el);
  } else if (step.scroll) {
    for (const fn of [...scrollListeners]) fn();
  } else if ("visible" in step) {
    for (const observer of observers) observer.callback([{ isIntersecting: step.visible }]);
  } else if (step.wait) {
    await new Promise((resolve) => setTimeout(resolve, step.wait));
  } else {
    model.emit(step.msg);
  }
}
// the views' paced updates (a scenario may look earlier, before a paced update is due)
await new Promise((resolve) => setTimeout(resolve, scenario.settleMs ?? 300));
const show = (el) => ({
  text: el.find("xai-stream-text").textContent,
  html: el.find("xai-stream-blocks").children.filter((c) => c.tag === "#html").map((c) => c._text),
  started: el.find("xai-stream").className.split(" ").includes("xai-stream-started"),
  reasoning: el.find("xai-stream-reasoning").textContent,
  reasoningHidden: el.find("xai-stream-reasoning").hidden,
  status: el.find("xai-stream-status").textContent,
  tools: el.find("xai-stream-tools").textContent,
  toolsHidden: el.find("xai-stream-tools").hidden,
  tags: el.tags(),
});
console.log(
  JSON.stringify({
    views: views.map(show), sent, innerHTMLWrites, templateWrites, typeset, typesetTasks,
    typesetCalls,
  }),
);
