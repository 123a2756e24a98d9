"""A long rendered answer streaming in JupyterLab, watched from inside the page: what the live
view showed, how its DOM changed, where the answer stood right before and right after the swap
to the final output, and the main thread's long tasks. Shared by the live Markdown browser test
(structure) and the browser benchmark (timings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

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
    live: null, liveDone: null, final: null, firstFinal: null, liveFrames: 0, removedElements: 0,
    addedElements: 0, seen: {}, longTasks: [], protocols: [], images: 0, scripts: 0,
    maxFrameGap: 0, lastLiveAt: 0,
  };
  let lastFrame = 0;
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
    } else if (rec.live) {
      const final = cell().querySelector('.jp-OutputArea-output.jp-RenderedHTML > .xai-answer');
      if (final) {
        rec.final = measure(final);
        if (!rec.firstFinal) rec.firstFinal = rec.final;
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
