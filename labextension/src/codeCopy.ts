/**
 * A copy button on each code block of an answer: copies the code exactly as the model wrote it
 * (the text of the `<code>`, not the highlighted HTML, without the newline cmark ends a block
 * with).
 *
 * Answers are HTML outputs written by `xai_magics/render.py`, whose code blocks are
 * `<pre class="xai-code">`. A MutationObserver on each notebook and console finds them as
 * outputs render. The live view (`.xai-stream`, which rewrites its DOM as the answer grows) is
 * left alone: the button comes with the final output, and the observer does no work for the
 * stream's many updates beyond one `closest` check.
 */

import { Clipboard } from '@jupyterlab/apputils';

const BLOCK = 'pre.xai-code';
const WRAPPER_CLASS = 'xai-CodeBlock';
const BUTTON_CLASS = 'xai-CodeBlock-copy';
const LIVE_VIEW = '.xai-stream';
export const COPY_LABEL = 'Copy';
const COPIED_LABEL = 'Copied';
const FEEDBACK_MS = 1500;

/** The code a block shows, as written: its text, without cmark's final newline. */
export function codeText(pre: Element): string {
  const code = pre.querySelector('code') ?? pre;
  return (code.textContent ?? '').replace(/\n$/, '');
}

async function copy(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No async clipboard (an insecure origin, a denied permission): the copy-event route.
    Clipboard.copyToSystem(text);
  }
}

/** Wrap the block so the button can sit at its top right while the code scrolls under it. */
function decorate(pre: HTMLElement): void {
  const parent = pre.parentElement;
  if (!parent || parent.classList.contains(WRAPPER_CLASS) || pre.closest(LIVE_VIEW)) {
    return;
  }
  const wrapper = document.createElement('div');
  wrapper.className = WRAPPER_CLASS;
  parent.insertBefore(wrapper, pre);
  wrapper.appendChild(pre);
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `jp-Button ${BUTTON_CLASS}`;
  button.textContent = COPY_LABEL;
  button.title = 'Copy this code';
  button.setAttribute('aria-label', 'Copy this code');
  let reset = 0;
  button.addEventListener('click', event => {
    event.stopPropagation();
    void copy(codeText(pre)).then(() => {
      button.textContent = COPIED_LABEL;
      window.clearTimeout(reset);
      reset = window.setTimeout(() => (button.textContent = COPY_LABEL), FEEDBACK_MS);
    });
  });
  wrapper.appendChild(button);
}

function decorateWithin(node: Node): void {
  if (!(node instanceof HTMLElement)) {
    return;
  }
  if (node.matches(BLOCK)) {
    decorate(node);
    return;
  }
  node.querySelectorAll<HTMLElement>(BLOCK).forEach(decorate);
}

/** Watch `root` (a notebook or console) and give each answer's code block its button. */
export function watchCodeBlocks(root: HTMLElement): MutationObserver {
  const observer = new MutationObserver(records => {
    for (const record of records) {
      const target = record.target;
      if (target instanceof Element && target.closest(LIVE_VIEW)) {
        continue;
      }
      record.addedNodes.forEach(decorateWithin);
    }
  });
  observer.observe(root, { childList: true, subtree: true });
  decorateWithin(root);
  return observer;
}
