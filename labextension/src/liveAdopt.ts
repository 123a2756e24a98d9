/**
 * The swap from a live answer to its final output, without rendering the answer twice.
 *
 * When `%%grok` ends, the kernel replaces the live view (xai_magics/widgets/stream_view.js)
 * with the final output: safe HTML whose answer body is the HTML the live view has already
 * shown, block by block, with its math typeset. Rendering that body again costs the page the
 * whole answer's HTML and math once more (a few hundred ms of main thread for a long answer,
 * the longest tasks of the stream), and a reader sees nothing new for it.
 *
 * So the HTML renderer takes the live view's blocks, moved as they are, when their HTML is
 * exactly a piece of the final output's (the live view reports it when its answer is done).
 * Everything else in the output (reasoning, receipt, sources) is rendered from the output as
 * usual, and the result is what a fresh render of the output shows: a saved notebook, reopened,
 * shows what the reader saw. Any other HTML output is rendered exactly as JupyterLab renders it.
 */

import type { IThemeManager } from '@jupyterlab/apputils';
import type { Message } from '@lumino/messaging';
import {
  hardenAnchorLinks,
  IRenderMime,
  IRenderMimeRegistry,
  RenderedHTML
} from '@jupyterlab/rendermime';

/** How an answer's final HTML starts (xai_magics/render.py). */
const ANSWER_START = '<div class="xai-answer">';
/** Where the live blocks go, in the HTML handed to JupyterLab's renderer. */
const SLOT = 'xai-live-answer';
/** A finished live answer is kept this long for the output that replaces it. */
const KEEP_MS = 30_000;
/** What may hold TeX (a cheap test, before asking the typesetter). */
const MAY_HOLD_MATH = /\$|\\[([]|\\begin\{/;
/** What MathJax skips: code, and what xai_magics/render.py marks (the receipt, the status). */
const SKIPPED_BY_MATHJAX = 'pre, code, .mathjax_ignore';

/** Whether MathJax would find TeX to typeset in `el`: text it reads, with a delimiter. */
function mayHoldMath(el: Element): boolean {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (
      MAY_HOLD_MATH.test(node.nodeValue ?? '') &&
      !node.parentElement?.closest(SKIPPED_BY_MATHJAX)
    ) {
      return true;
    }
  }
  return false;
}

interface ILiveAnswer {
  /** the blocks' HTML, as the kernel sent it */
  html: string;
  /** the element holding the blocks, rendered and typeset */
  blocks: HTMLElement;
  /** when the view started (`performance.now()`) */
  since: number;
}

interface IXaiMagicsHooks {
  finished?: (uid: string, answer: ILiveAnswer) => void;
}

/** Finished live answers, by view, until their final output takes them. */
const finished = new Map<string, ILiveAnswer>();
/** When the theme last changed: math typeset while the theme's stylesheet is replaced is
 * sized for the page of that moment, so an answer streamed across a change is rendered anew. */
let themeChangedAt = -Infinity;

/** The live answer whose blocks are a piece of `html`, taken from the waiting ones. */
function takeLiveAnswer(html: string): { answer: ILiveAnswer; at: number } | null {
  for (const [uid, answer] of finished) {
    const at = answer.html ? html.indexOf(answer.html) : -1;
    if (at >= 0) {
      finished.delete(uid);
      return answer.since > themeChangedAt ? { answer, at } : null;
    }
  }
  return null;
}

function findSlot(host: HTMLElement): Comment | null {
  const walker = document.createTreeWalker(host, NodeFilter.SHOW_COMMENT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeValue === SLOT) {
      return node as Comment;
    }
  }
  return null;
}

/** JupyterLab's HTML renderer, which takes a finished live answer's blocks when it can. */
export class AnswerHTML extends RenderedHTML {
  /** The live view's blocks, when this output took them (typeset already). */
  private _adopted: Element[] | null = null;

  render(model: IRenderMime.IMimeModel): Promise<void> {
    this._adopted = null;
    const data = model.data[this.mimeType];
    // Only the outputs of this session (trusted) replace a live view.
    const source = finished.size && model.trusted && typeof data === 'string' ? data : '';
    const live = source.startsWith(ANSWER_START) ? takeLiveAnswer(source) : null;
    if (!live) {
      return super.render(model);
    }
    const { answer, at } = live;
    const marked =
      source.slice(0, at) + `<!--${SLOT}-->` + source.slice(at + answer.html.length);
    const rendering = super.render({
      trusted: model.trusted,
      metadata: model.metadata,
      setData: options => model.setData(options),
      data: { ...model.data, [this.mimeType]: marked }
    });
    // JupyterLab's renderer sets the HTML before its first await: the blocks take the slot in
    // the same task, so the page never draws the output without them.
    const slot = findSlot(this.node);
    if (!slot) {
      return rendering.then(() => super.render(model));
    }
    const blocks = Array.from(answer.blocks.children);
    slot.replaceWith(...Array.from(answer.blocks.childNodes));
    this._adopted = blocks;
    // as JupyterLab's renderer does to every link of an output (it ran before the blocks came)
    hardenAnchorLinks(this.node, this.resolver);
    return rendering;
  }

  onAfterAttach(msg: Message): void {
    const adopted = this._adopted;
    if (!adopted) {
      super.onAfterAttach(msg);
      return;
    }
    // JupyterLab typesets the whole output once it is in the page. The blocks are typeset:
    // only the rest of the answer, and a block the live view had not typeset yet, need it.
    const typesetter = this.latexTypesetter;
    if (!typesetter) {
      return;
    }
    // (Not what MathJax is told to skip, like the receipt and its $ amounts: typesetting even
    // that measures the page, which is laying out the whole answer in its new place.)
    const answer = this.node.querySelector(':scope > .xai-answer');
    const rest = answer ? Array.from(answer.children).filter(el => !adopted.includes(el)) : [];
    const untypeset = adopted.filter(
      el => el.localName !== 'pre' && !el.querySelector('mjx-container')
    );
    for (const el of [...rest, ...untypeset]) {
      if (el instanceof HTMLElement && mayHoldMath(el)) {
        void Promise.resolve(typesetter.typeset(el))
          .then(() => hardenAnchorLinks(el, this.resolver))
          .catch(console.warn);
      }
    }
  }
}

/** The renderer factory for HTML outputs: JupyterLab's, with the swap above. */
const answerHTMLFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: ['text/html'],
  defaultRank: 50,
  createRenderer: options => new AnswerHTML(options)
};

/**
 * Render HTML outputs with {@link AnswerHTML}, and let the live view report its finished
 * answers. Done before any notebook opens: each notebook's registry is a copy of this one.
 */
export function adoptLiveAnswers(
  rendermime: IRenderMimeRegistry,
  themes: IThemeManager | null
): void {
  rendermime.addFactory(answerHTMLFactory, rendermime.getRank('text/html') ?? 50);
  themes?.themeChanged.connect(() => (themeChangedAt = performance.now()));
  const scope = globalThis as typeof globalThis & { xaiMagics?: IXaiMagicsHooks };
  const report = (uid: string, answer: ILiveAnswer): void => {
    finished.set(uid, answer);
    // an output that never came (the kernel died meanwhile) does not keep the blocks alive
    window.setTimeout(() => {
      if (finished.get(uid) === answer) {
        finished.delete(uid);
      }
    }, KEEP_MS);
  };
  scope.xaiMagics = { ...scope.xaiMagics, finished: report };
}
