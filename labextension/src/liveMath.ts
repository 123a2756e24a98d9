/**
 * Lends the notebook's LaTeX typesetter to the live answer view (xai_magics/widgets/
 * stream_view.js), which typesets each Markdown block as it completes while the answer streams.
 *
 * The widget is plain ES module code loaded by anywidget, with no access to JupyterLab's
 * services, so the typesetter is offered on one global hook; front ends without this extension
 * leave it unset and the live view shows TeX as source until the final output replaces it.
 * The blocks are the kernel's safe HTML, TeX neutralised as in the final output.
 */

import { INotebookTracker } from '@jupyterlab/notebook';

interface IXaiMagicsHooks {
  typeset?: (node: HTMLElement) => void;
}

export function lendTypesetter(notebooks: INotebookTracker): void {
  const typeset = (node: HTMLElement): void => {
    const panel =
      notebooks.find(candidate => candidate.node.contains(node)) ??
      notebooks.currentWidget;
    const typesetter = panel?.content.rendermime.latexTypesetter;
    if (!typesetter) {
      return;
    }
    Promise.resolve(typesetter.typeset(node)).catch(reason => {
      console.warn('xai-magics: could not typeset the live answer', reason);
    });
  };
  const scope = globalThis as typeof globalThis & { xaiMagics?: IXaiMagicsHooks };
  scope.xaiMagics = { ...scope.xaiMagics, typeset };
}
