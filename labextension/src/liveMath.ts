/**
 * Lends the notebook's LaTeX typesetter to the live answer view (xai_magics/widgets/
 * stream_view.js), which typesets each Markdown block as it completes while the answer streams.
 *
 * The widget is plain ES module code loaded by anywidget, with no access to JupyterLab's
 * services, so the typesetter is offered on one global hook; front ends without this extension
 * leave it unset and the live view shows TeX as source until the final output replaces it.
 * The blocks are the kernel's safe HTML, TeX neutralised as in the final output.
 */

import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { hardenAnchorLinks } from '@jupyterlab/rendermime';

/** A cell that loads xai-magics or asks Grok: answers with math may stream soon. */
const USES_XAI_MAGICS = /%load_ext\s+xai_magics\b|^%%grok/m;

interface IXaiMagicsHooks {
  typeset?: (nodes: HTMLElement[]) => Promise<void>;
}

/** What JupyterLab's MathJax typesetter has beyond `typeset(node)`: its MathJax document. */
interface IMathDocumentLike {
  options: { elements?: HTMLElement[] };
  clear(): { render(): unknown };
}

interface IWithMathDocument {
  mathDocument?: () => Promise<IMathDocumentLike>;
}

/**
 * The hook's promise settles once the nodes are typeset (the view paces its work by it).
 *
 * Typesetting measures the page (MathJax adds a test element beside each formula's container
 * and reads its size: a layout), once per call for all the nodes of the call. So several new
 * blocks are typeset in one pass over MathJax's document, as JupyterLab's `typeset(node)` does
 * for one node; a typesetter without that document typesets them one by one.
 */
export function lendTypesetter(notebooks: INotebookTracker): void {
  const typeset = async (nodes: HTMLElement[]): Promise<void> => {
    const panel =
      notebooks.find(candidate => candidate.node.contains(nodes[0])) ??
      notebooks.currentWidget;
    const typesetter = panel?.content.rendermime.latexTypesetter;
    if (!typesetter || !nodes.length) {
      return;
    }
    const withDocument = typesetter as IWithMathDocument;
    try {
      if (typeof withDocument.mathDocument === 'function' && nodes.length > 1) {
        const doc = await withDocument.mathDocument();
        doc.options.elements = nodes;
        try {
          doc.clear().render();
        } finally {
          delete doc.options.elements;
        }
        nodes.forEach(node => hardenAnchorLinks(node)); // as JupyterLab's typeset(node) does
      } else {
        for (const node of nodes) {
          await typesetter.typeset(node);
        }
      }
    } catch (reason) {
      console.warn('xai-magics: could not typeset the live answer', reason);
    }
  };
  const scope = globalThis as typeof globalThis & { xaiMagics?: IXaiMagicsHooks };
  scope.xaiMagics = { ...scope.xaiMagics, typeset };
}

/**
 * JupyterLab loads MathJax on its first use: its modules take a few hundred ms of the main
 * thread, in tasks of up to 60 ms, which would fall in the first streaming answer. Once a
 * notebook runs a cell that loads xai-magics or asks Grok, the typesetter is loaded while the
 * page is idle instead (typesetting an empty element loads it and changes nothing).
 */
export function warmTypesetter(): void {
  let warmed = false;
  NotebookActions.executionScheduled.connect((_, { notebook, cell }) => {
    if (warmed || !USES_XAI_MAGICS.test(cell.model.sharedModel.getSource())) {
      return;
    }
    warmed = true;
    const typesetter = notebook.rendermime.latexTypesetter;
    const whenIdle = (load: () => void): void => {
      if (typeof window.requestIdleCallback === 'function') {
        window.requestIdleCallback(load, { timeout: 5000 });
      } else {
        window.setTimeout(load, 1000);
      }
    };
    whenIdle(() => {
      Promise.resolve(typesetter?.typeset(document.createElement('div'))).catch(reason => {
        console.warn('xai-magics: could not load the typesetter', reason);
      });
    });
  });
}
