/**
 * Notebook 7 folds a cell's outputs into a scroll box once they are taller than 100 lines (its
 * scroll-output plugin, setting `autoScrollOutputs`, on by default), deciding each time the
 * cell's output model changes. The live answer view (xai_magics/widgets/stream_view.js) grows
 * inside one widget output whose model does not change, so a long answer was never folded while
 * it streamed, and the final output that replaces it was: a visible jump at the swap.
 *
 * Here Notebook 7's own rule is applied while a live view grows, so a long answer folds as any
 * long output does there (and as the user configured), and the swap leaves it as it was. The
 * live view hands its root node to the `liveView` hook; JupyterLab, which has no such plugin,
 * gets no hook.
 */

import { JupyterFrontEnd } from '@jupyterlab/application';
import { CodeCell } from '@jupyterlab/cells';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

const SCROLL_OUTPUT = '@jupyter-notebook/notebook-extension:scroll-output';
const FOLDED = 'jp-mod-outputsScrolled';

interface IXaiMagicsHooks {
  liveView?: (node: HTMLElement) => void;
}

/** Notebook 7's test: the outputs are taller than 100 lines of 1.3 em (14 px unless set). */
function tooTall(cell: CodeCell): boolean {
  const node = cell.outputArea.node;
  const fontSize = parseFloat(node.style.fontSize.replace('px', ''));
  return node.scrollHeight > 1.3 * (fontSize || 14) * 100;
}

export async function foldLiveViews(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker,
  settingRegistry: ISettingRegistry | null
): Promise<void> {
  if (!settingRegistry || !app.hasPlugin(SCROLL_OUTPUT)) {
    return; // not Notebook 7: nothing folds outputs by height
  }
  const settings = await settingRegistry.load(SCROLL_OUTPUT);
  let enabled = true;
  const read = () => {
    enabled = settings.get('autoScrollOutputs').composite !== false;
  };
  settings.changed.connect(read);
  read();

  const cellOf = (node: HTMLElement): CodeCell | undefined => {
    const panel = notebooks.find(candidate => candidate.node.contains(node));
    const cell = panel?.content.widgets.find(candidate => candidate.node.contains(node));
    return cell instanceof CodeCell ? cell : undefined;
  };
  // Sizes are read after layout, when the live view has grown: no layout of our own.
  const observer = new ResizeObserver(entries => {
    for (const { target } of entries) {
      if (!target.isConnected) {
        observer.unobserve(target); // the final output replaced it
        continue;
      }
      const cell = enabled ? cellOf(target as HTMLElement) : undefined;
      // a cell whose `scrolled` the user set is left as it is, as Notebook 7 leaves it
      if (cell && cell.model.getMetadata('scrolled') === undefined) {
        cell.toggleClass(FOLDED, tooTall(cell));
      }
    }
  });
  const scope = globalThis as typeof globalThis & { xaiMagics?: IXaiMagicsHooks };
  scope.xaiMagics = { ...scope.xaiMagics, liveView: node => observer.observe(node) };
}
