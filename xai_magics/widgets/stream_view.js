// StreamView: shows an answer while it streams, rendered as its blocks complete.
//
// Custom messages carry only what is new: {text} (the next piece of the answer), {html,
// rendered} (blocks the kernel completed and rendered, and how many characters of the open tail
// they stand for), {reasoning}, {status}, {tool} (one line of tool activity), {done} (the
// answer is complete).
// * Block HTML is the kernel's safe HTML, made by the same renderer as the final output (raw
//   HTML dropped, links allow-listed, images as links, TeX neutralised); it is parsed in an inert
//   <template> and appended, once, into a container with the final output's classes, so the page
//   looks the same before and after the kernel swaps this view for the final output.
// * The open tail (the block still arriving) is appended as text nodes, never parsed as HTML,
//   in an element MathJax is told to skip; the kernel sends it without control characters.
// * Math in a block is typeset when the front end lends its typesetter (the xai-magics
//   JupyterLab extension sets globalThis.xaiMagics.typeset, which takes a list of elements and
//   typesets them in one pass); elsewhere it shows as TeX until
//   the swap. In Notebook 7 the extension also folds a long view as Notebook 7 folds outputs
//   (globalThis.xaiMagics.liveView).
// * When the answer is done, the view reports its blocks (globalThis.xaiMagics.finished): the
//   extension's HTML renderer moves them into the final output instead of rendering and
//   typesetting the same HTML again.
//
// anywidget hands initialize() and render() different model objects, so per-widget state lives
// in a module-level Map keyed by the synced `uid`.
const streams = new Map();
const NO_TEX = "mathjax_ignore tex2jax_ignore";
const SHOW_EVERY_MS = 200;
// ... and every second while its end is out of view (see render()).
const SHOW_UNSEEN_EVERY_MS = 1000;
const MAY_HOLD_MATH = /\$|\\[([]|\\begin\{/;

function entry(model) {
  const uid = model.get("uid");
  let state = streams.get(uid);
  if (!state) {
    state = { tail: "", blocks: [], reasoning: "", status: "", tools: [], views: new Set() };
    streams.set(uid, state);
  }
  return state;
}

function element(tag, className) {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}

// Blocks waiting for the typesetter (see appendBlocks), and whether a task is typesetting them.
const untypeset = [];
let typesetting = false;
// Typesetting takes a few ms to a few tens a call, most of it measuring the page, once per
// call: several blocks in one call cost little more than one. A task typesets waiting blocks,
// a batch per call, while it has used under half of this budget, and leaves the rest to a task
// of their own. The batch doubles after a call within 3/4 of the budget, and halves after one
// over it.
const TYPESET_FOR_MS = 20;
const TYPESET_MOST = 16;
let batchSize = 1;
// Out of view (the answer's end below the window), blocks with math wait until there are this
// many, the view comes into view, the reader scrolls (towards them, maybe) or the answer ends,
// and are then typeset together.
const TYPESET_UNSEEN_AFTER = 6;
let watchingScrolls = false;

function onScroll() {
  document.removeEventListener("scroll", onScroll, { capture: true });
  watchingScrolls = false;
  typesetWaiting();
}

function typesetOnScroll() {
  if (watchingScrolls || typeof document.addEventListener !== "function") return;
  watchingScrolls = true;
  // scroll events do not bubble: caught on their way down, from any scrolling element
  document.addEventListener("scroll", onScroll, { capture: true, passive: true });
}

function typesetNow(nodes) {
  // a view gone meanwhile (the swap) leaves nothing to typeset
  const shown = nodes.filter((node) => node.isConnected !== false);
  return shown.length ? globalThis.xaiMagics.typeset(shown) : undefined;
}

/** Everything waiting, now: the answer ended, and is drawn whole before the swap. */
function typesetAll() {
  typesetNow(untypeset.splice(0));
}

async function typesetSome() {
  typesetting = true;
  const started = performance.now();
  while (untypeset.length && performance.now() - started < TYPESET_FOR_MS / 2) {
    const batch = untypeset.splice(0, batchSize);
    const before = performance.now();
    // the hook's promise settles once its blocks are typeset (a hook without one: at once)
    await typesetNow(batch);
    const took = performance.now() - before;
    if (took > TYPESET_FOR_MS) batchSize = Math.max(1, Math.floor(batchSize / 2));
    else if (took < (TYPESET_FOR_MS * 3) / 4 && batch.length === batchSize) {
      batchSize = Math.min(TYPESET_MOST, batchSize * 2);
    }
  }
  if (untypeset.length) setTimeout(typesetSome, 0);
  else typesetting = false;
}

function typesetWaiting() {
  if (!typesetting && untypeset.length) typesetSome();
}

/** Append block HTML, and typeset its math if the front end can: in this task, as many blocks
 * with math as its budget fits, the rest in tasks of their own (out of view, once enough wait).
 */
function appendBlocks(container, html, seen = true) {
  const template = document.createElement("template");
  template.innerHTML = html; // inert: nothing in a template loads or runs
  const added = Array.from(template.content.children);
  container.append(template.content);
  const typeset = globalThis.xaiMagics && globalThis.xaiMagics.typeset;
  if (typeof typeset !== "function") return;
  // Each typesetting measures the page: only blocks that may hold math pay for one, and an
  // update that brings several (a second of them, out of view) is not one long task.
  const math = added.filter((n) => n.localName !== "pre" && MAY_HOLD_MATH.test(n.textContent));
  untypeset.push(...math);
  if (seen || untypeset.length >= TYPESET_UNSEEN_AFTER) typesetWaiting();
  else typesetOnScroll();
}

export default {
  initialize({ model }) {
    const state = entry(model);
    // Registered once per model (not per view), so two views never double the text.
    model.on("msg:custom", (msg) => {
      if (typeof msg.text === "string") state.tail += msg.text;
      if (typeof msg.html === "string") {
        state.blocks.push(msg.html);
        state.tail = state.tail.slice(msg.rendered);
      }
      if (typeof msg.reasoning === "string") state.reasoning += msg.reasoning;
      if (typeof msg.status === "string") state.status = msg.status;
      if (typeof msg.tool === "string") state.tools.push(msg.tool);
      for (const view of state.views) view(msg);
    });
    return () => streams.delete(model.get("uid"));
  },

  render({ model, el }) {
    const since = performance.now();
    const state = entry(model);
    const root = element("div", "xai-stream");
    // The final output's containers: JupyterLab's rendered-HTML styles, then ours.
    const page = element("div", "xai-stream-answer jp-RenderedHTMLCommon jp-RenderedHTML");
    const answer = element("div", "xai-answer");

    const reasoning = element("details", `xai-reasoning xai-stream-reasoning ${NO_TEX}`);
    const summary = document.createElement("summary");
    summary.textContent = "Reasoning";
    const reasoningText = document.createElement("pre");
    reasoningText.textContent = state.reasoning;
    reasoning.append(summary, reasoningText);
    reasoning.hidden = state.reasoning === "";

    // Tool activity: collapsed, its summary naming what the model is doing now.
    const tools = element("details", `xai-tools xai-stream-tools ${NO_TEX}`);
    const toolsSummary = document.createElement("summary");
    const toolsText = document.createElement("pre");
    tools.append(toolsSummary, toolsText);
    const addTool = (line) => {
      toolsSummary.textContent = `Tools: ${line}`;
      toolsText.append(document.createTextNode(`${line}\n`));
      tools.hidden = false;
    };
    tools.hidden = true;
    for (const line of state.tools) addTool(line);

    const tail = element("div", `xai-stream-text ${NO_TEX}`);
    tail.textContent = state.tail;
    // once: setting a class, even one already there, makes the page restyle the view
    let isStarted = false;
    const started = () => {
      if (!isStarted) root.classList.add("xai-stream-started");
      isStarted = true;
    };

    const status = element("div", `xai-stream-status ${NO_TEX}`);
    status.textContent = state.status;

    // Blocks and tail each in a box of their own, painted apart (see stream_view.css).
    const blocks = element("div", "xai-stream-blocks");
    answer.append(reasoning, tools, blocks, tail);
    page.append(answer);
    // Where the view ends (no size, no margins: it changes nothing in the layout).
    const end = element("div", "xai-stream-end");
    root.append(page, status, end);
    el.append(root);
    // Notebook 7 folds long outputs: the front end's extension watches this view grow and folds
    // it by the same rule, so the final output that replaces it is folded alike (liveFold.ts).
    const watch = globalThis.xaiMagics && globalThis.xaiMagics.liveView;
    if (typeof watch === "function") watch(root);
    if (state.blocks.length) appendBlocks(blocks, state.blocks.join(""));
    if (state.blocks.length || state.tail) started();

    // The answer is brought up to date at most every SHOW_EVERY_MS (the kernel sends five
    // pieces a second by default): each update costs the page a style, layout, paint and
    // compositing pass whatever it adds, so fewer, larger ones keep the main thread free.
    let shownBlocks = state.blocks.length;
    let shownTail = state.tail.length;
    let timer = null;
    let shownAt = 0;
    const show = (now = false) => {
      timer = null;
      shownAt = Date.now();
      if (shownBlocks < state.blocks.length) {
        appendBlocks(blocks, state.blocks.slice(shownBlocks).join(""), seen);
        shownBlocks = state.blocks.length;
        tail.textContent = state.tail; // what is left of it, after the rendered blocks
      } else if (state.tail.length > shownTail) {
        tail.append(document.createTextNode(state.tail.slice(shownTail)));
      }
      shownTail = state.tail.length;
      if (shownBlocks || shownTail) started();
      if (now) {
        typesetAll();
        finish();
      }
    };
    // The answer is complete: the front end's extension may move these blocks, as they are,
    // into the final output that replaces this view, when it shows the same HTML (liveAdopt.ts).
    const finish = () => {
      const report = globalThis.xaiMagics && globalThis.xaiMagics.finished;
      if (typeof report === "function" && state.tail.trim() === "") {
        report(model.get("uid"), { html: state.blocks.join(""), blocks, since });
      }
    };
    // An answer longer than the window grows below it (the notebook does not follow it): there
    // an update changes nothing a reader sees but the scrollbar, and costs the page as much as
    // one in view. While the view's end is out of view, updates come once a second, and math
    // waits for a few blocks to typeset together; when it scrolls into view, the next update is
    // due at once, and what waits is typeset.
    let seen = true;
    const watcher =
      typeof IntersectionObserver === "function"
        ? new IntersectionObserver(
            (entries) => {
              seen = entries[entries.length - 1].isIntersecting;
              if (seen && timer !== null) {
                clearTimeout(timer);
                showNext();
              }
              if (seen) typesetWaiting();
            },
            { rootMargin: "0px 0px 200px 0px" },
          )
        : null;
    if (watcher) watcher.observe(end);
    const showNext = () => {
      const every = seen ? SHOW_EVERY_MS : SHOW_UNSEEN_EVERY_MS;
      timer = setTimeout(show, Math.max(0, shownAt + every - Date.now()));
    };
    const onMessage = (msg) => {
      if (msg.done) {
        // the answer is complete: shown whole before the final output replaces this view
        clearTimeout(timer);
        show(true);
      } else if ((typeof msg.text === "string" || typeof msg.html === "string") && timer === null) {
        showNext();
      }
      if (typeof msg.reasoning === "string") {
        reasoningText.append(document.createTextNode(msg.reasoning));
        reasoning.hidden = false;
      }
      if (typeof msg.status === "string") status.textContent = msg.status;
      if (typeof msg.tool === "string") addTool(msg.tool);
    };
    state.views.add(onMessage);
    // Tells the kernel a front end draws these views; kernels nobody answers fall back to text.
    model.send({ type: "rendered" });
    return () => {
      clearTimeout(timer);
      if (watcher) watcher.disconnect();
      state.views.delete(onMessage);
    };
  },
};
