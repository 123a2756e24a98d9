// StreamView: shows an answer while it streams. Text arrives as custom messages carrying only
// the new piece ({text}, {reasoning}, {status}, {tool}: one line of tool activity); it is appended as text nodes, never parsed as
// HTML, so hostile model output stays inert; MathJax is told to skip the box (its text is never
// typeset, so no TeX link can be made of it), and the kernel sends it without control
// characters. When the stream ends the kernel replaces this
// view with an ordinary rendered output.
//
// anywidget hands initialize() and render() different model objects, so per-widget state lives
// in a module-level Map keyed by the synced `uid`.
const streams = new Map();

function entry(model) {
  const uid = model.get("uid");
  let state = streams.get(uid);
  if (!state) {
    state = { text: "", reasoning: "", status: "", tools: [], views: new Set() };
    streams.set(uid, state);
  }
  return state;
}

export default {
  initialize({ model }) {
    const state = entry(model);
    // Registered once per model (not per view), so two views never double the text.
    model.on("msg:custom", (msg) => {
      if (typeof msg.text === "string") state.text += msg.text;
      if (typeof msg.reasoning === "string") state.reasoning += msg.reasoning;
      if (typeof msg.status === "string") state.status = msg.status;
      if (typeof msg.tool === "string") state.tools.push(msg.tool);
      for (const view of state.views) view(msg);
    });
    return () => streams.delete(model.get("uid"));
  },

  render({ model, el }) {
    const state = entry(model);
    const root = document.createElement("div");
    // mathjax_ignore (MathJax 3) and tex2jax_ignore (MathJax 2): never typeset the raw text.
    root.className = "xai-stream mathjax_ignore tex2jax_ignore";

    const reasoning = document.createElement("details");
    reasoning.className = "xai-stream-reasoning";
    const summary = document.createElement("summary");
    summary.textContent = "Reasoning";
    const reasoningText = document.createElement("pre");
    reasoningText.textContent = state.reasoning;
    reasoning.append(summary, reasoningText);
    reasoning.hidden = state.reasoning === "";

    // Tool activity: collapsed, its summary naming what the model is doing now.
    const tools = document.createElement("details");
    tools.className = "xai-stream-tools";
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

    const answer = document.createElement("div");
    answer.className = "xai-stream-text";
    answer.textContent = state.text;

    const status = document.createElement("div");
    status.className = "xai-stream-status";
    status.textContent = state.status;

    root.append(reasoning, tools, answer, status);
    el.append(root);

    const onMessage = (msg) => {
      if (typeof msg.text === "string") answer.append(document.createTextNode(msg.text));
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
    return () => state.views.delete(onMessage);
  },
};
