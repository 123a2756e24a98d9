"""A long rendered answer streaming in JupyterLab, watched from inside the page: what the live
view showed, how its DOM changed, where the answer stood right before and right after the swap
to the final output, and the main thread's long tasks. Shared by the live Markdown browser test
(structure) and the browser benchmark (timings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from lab_harness import LabPage
    from playwright.sync_api import Page

    from xai_magics.emulator import Emulator

#: how far the answer may move or change height at the swap, in CSS pixels
JUMP_PX = 4

# One section: a heading, prose with inline math, a table, highlighted code and display math.
_SECTION = """## Part {n}: tides and orbits

The moon pulls the sea toward it, and the water on the far side lags behind, so most coasts
see two high tides a day. For a body of mass $m$ at distance $r$ the pull is $F = G m M / r^2$,
and the tidal part falls off as $1/r^3$, which is why the sun counts for less than half.

| body | mass (kg) | distance (km) | tidal share |
|------|-----------|---------------|-------------|
| moon | 7.35e22 | 384,400 | 0.69 |
| sun | 1.99e30 | 149,600,000 | 0.31 |

```python
def tidal_ratio(mass: float, distance_km: float) -> float:
    \"\"\"Tidal strength relative to the moon's ({n}).\"\"\"
    moon = 7.35e22 / 384_400 ** 3
    return (mass / distance_km ** 3) / moon  # cost: $5 per run
```

$$\\Delta g = \\frac{{2 G M r}}{{d^3}} \\quad\\text{{for}}\\quad r \\ll d$$

- spring tides: sun and moon in line, every {n} weeks or so
- neap tides: at right angles, a smaller range

"""

# Hostile Markdown and TeX that only become dangerous once their pieces are joined.
HOSTILE = (
    "Click [here](javascript:window.__xaiPwned='md') or <img src=x "
    "onerror=\"window.__xaiPwned='img'\"> or <script>window.__xaiPwned='script'</script> or "
    "$\\href{javascript:window.__xaiPwned='tex'}{this}$ or ![i](http://127.0.0.1:9/?d=secret).\n\n"
)


def long_answer(sections: int, *, hostile: bool = False) -> str:
    """A Markdown answer of ``sections`` sections (about 230 emulator tokens each)."""
    parts = [_SECTION.format(n=n) for n in range(1, sections + 1)]
    if hostile:
        parts.insert(1, HOSTILE)
    return "".join(parts) + "That is all about tides."


# Installed before the cell runs. Every animation frame it finds the cell's live answer (the
# view's .xai-answer) or the final one, and notes where it starts and how tall its content is
# (the receipt and status lines, which only the final output has, left out), relative to the
# cell, so that scrolling does not count. A MutationObserver counts what is taken out of the
# live answer: blocks are only ever appended. With ``checks`` off (the benchmark), a frame only
# notes where the answer stands: the feature, link and image scans walk the whole growing answer
# every frame, a cost of the test's instrument, not of the live view.
RECORDER = """([index, checks]) => {
  const rec = {
    live: null, liveDone: null, final: null, firstFinal: null, adopted: null, liveFrames: 0,
    removedElements: 0,
    addedElements: 0, seen: {}, longTasks: [], protocols: [], images: 0, scripts: 0,
    maxFrameGap: 0, lastLiveAt: 0,
  };
  let lastFrame = 0;
  // a block and a typeset formula of the live view, to see whether the final output took them
  let liveBlock = null;
  let liveMath = null;
  window.__xaiRec = rec;
  const cell = () => window.jupyterapp.shell.currentWidget.content.widgets[index].node;
  const measure = (answer) => {
    const top = answer.getBoundingClientRect().top;
    let bottom = top;
    for (const child of answer.children) {
      if (child.matches('.xai-receipt, .xai-status')) continue;
      const box = child.getBoundingClientRect();
      if (box.height) bottom = Math.max(bottom, box.bottom);
    }
    // blocks (the live view keeps them in a box of their own), and the open tail while it
    // holds text (it stands for the block to come)
    if (!checks) return { top: top - cell().getBoundingClientRect().top, height: bottom - top };
    const box = answer.querySelector(':scope > .xai-stream-blocks');
    const blocks = [...(box ? box.children : []), ...answer.children].filter(
      (c) => !c.matches('details, .xai-stream-blocks, .xai-receipt, .xai-status, '
        + '.xai-stream-text:empty'));
    return {
      top: top - cell().getBoundingClientRect().top,
      height: bottom - top,
      blocks: blocks.length,
      heights: blocks.map((c) => Math.round(c.getBoundingClientRect().height)),
    };
  };
  const features = {
    heading: 'h2', table: 'table', code: '.xai-code span[style]', math: 'mjx-container',
    list: 'ul > li',
  };
  let observed = null;
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      rec.removedElements += Array.from(r.removedNodes).filter((n) => n.nodeType === 1).length;
      rec.addedElements += Array.from(r.addedNodes).filter((n) => n.nodeType === 1).length;
    }
  });
  const tick = () => {
    const live = cell().querySelector('.xai-stream .xai-answer');
    const now = performance.now();
    if (live && lastFrame) rec.maxFrameGap = Math.max(rec.maxFrameGap, now - lastFrame);
    lastFrame = now;
    if (live) {
      rec.lastLiveAt = now;
      rec.live = measure(live);
      rec.liveFrames += 1;
      if (checks) scan(live);
      liveBlock = liveBlock || live.querySelector('.xai-stream-blocks > *');
      liveMath = liveMath || live.querySelector('.xai-stream-blocks mjx-container');
    } else if (rec.live) {
      const final = cell().querySelector('.jp-OutputArea-output.jp-RenderedHTML > .xai-answer');
      if (final) {
        rec.final = measure(final);
        if (!rec.firstFinal) rec.firstFinal = rec.final;
        rec.adopted = {
          block: !!liveBlock && final.contains(liveBlock),
          math: !!liveMath && final.contains(liveMath),
        };
      }
    }
    window.__xaiRecFrame = requestAnimationFrame(tick);
  };
  // The live answer as its last update left it, measured when its DOM changes (a microtask
  // after the change): on a loaded machine the page may take the last update and the final
  // output in one frame, and never paint the last live state (that difference is the stream's
  // last tokens, as any update's, not the swap's).
  const completed = new MutationObserver(() => {
    const live = observed;
    if (live && live.isConnected) rec.liveDone = measure(live);
  });
  const scan = (live) => {
    if (observed !== live) {
      observer.observe(live.querySelector('.xai-stream-blocks') || live, { childList: true });
      completed.observe(live, { childList: true, subtree: true, characterData: true });
      observed = live;
    }
    for (const [name, selector] of Object.entries(features)) {
      if (live.querySelector(selector)) rec.seen[name] = true;
    }
    rec.images = Math.max(rec.images, live.querySelectorAll('img').length);
    rec.scripts = Math.max(rec.scripts, live.querySelectorAll('script').length);
    for (const el of live.querySelectorAll('[href]')) {
      let protocol = 'unparsable:';
      try { protocol = new URL(el.getAttribute('href'), document.baseURI).protocol; }
      catch (e) {}
      if (!rec.protocols.includes(protocol)) rec.protocols.push(protocol);
    }
  };
  tick();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      rec.longTasks.push({ start: entry.startTime, ms: entry.duration });
    }
  }).observe({ type: 'longtask', buffered: false });
}"""


def start_recording(page: Page, cell_index: int, *, checks: bool = True) -> None:
    """Watch cell ``cell_index``; ``checks=False`` measures geometry and timings only."""
    page.evaluate(RECORDER, [cell_index, checks])


def recorded(page: Page) -> dict[str, Any]:
    """What the recorder saw so far."""
    return dict(page.evaluate("() => window.__xaiRec"))


def stop_recording(page: Page) -> dict[str, Any]:
    return dict(
        page.evaluate(
            "() => { cancelAnimationFrame(window.__xaiRecFrame); return window.__xaiRec; }"
        )
    )


def record_answer(
    lab: LabPage,
    notebook_dir: Path,
    emu: Emulator,
    notebook: str,
    magic: str,
    answer: str,
    *,
    tokens_per_second: int,
    then: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Stream ``answer`` into a ``magic`` cell of a new notebook at the given pace and record
    it, from the first token until the final output has settled (and the cells ``then`` ran)."""
    # imported here: the benchmark imports this module as tests.browser.live_measure, where the
    # browser tests' folder is not on the path
    from lab_harness import write_notebook

    emu.control.configure(tokens_per_second=tokens_per_second)
    emu.control.inject("answer", "/v1/responses", text=answer)
    write_notebook(
        notebook_dir / notebook,
        ["%load_ext xai_magics", f"{magic}\nTell me about tides.", *then],
    )
    lab.open_notebook(notebook)
    start_recording(lab.page, 1)
    lab.run_all(wait=False)
    lab.cell_locator(1).locator(".xai-receipt").wait_for(timeout=90_000)
    lab.wait_for_kernel_idle()
    lab.page.wait_for_timeout(1000)  # the final output typeset and laid out
    return stop_recording(lab.page)


def assert_no_jump(rec: dict[str, Any]) -> None:
    """The swap leaves the answer where the live view's last update left it, as tall as it was
    (the frame before the swap, if the page drew one, may lack the stream's last tokens)."""
    before, after = rec["liveDone"], rec["final"]
    assert before["blocks"] == after["blocks"], (before, after)
    assert abs(after["top"] - before["top"]) <= JUMP_PX, (before, after)
    assert abs(after["height"] - before["height"]) <= JUMP_PX, _what_moved(before, after)


def _what_moved(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Which blocks changed height at the swap, and by how much the rest (the reasoning and
    tool details above the blocks, the gaps between them) did."""
    changed = [
        f"block {i}: {a} -> {b} px"
        for i, (a, b) in enumerate(zip(before["heights"], after["heights"], strict=True))
        if abs(a - b) > 1
    ]
    rest = (after["height"] - sum(after["heights"])) - (before["height"] - sum(before["heights"]))
    return (
        f"height {before['height']:.1f} -> {after['height']:.1f} px; "
        f"{', '.join(changed) or 'no block changed'}; the rest {rest:+.1f} px"
    )
