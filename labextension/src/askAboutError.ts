/**
 * "Ask Grok about this error": inserts a `%%grok` cell right after a failed cell, asking about
 * its traceback (with the shapes of the DataFrames the failing line names), ready to run.
 *
 * Offered three ways: a labelled button under every error output (see errorButtons.ts), a cell
 * toolbar button and a command-palette entry on the active failed cell.
 */

import { Cell, ICodeCellModel } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';

import { kernelContext } from './errorContext';
import { buildErrorPrompt, failingCode, IErrorOutput } from './errorPrompt';

export const ASK_ABOUT_ERROR = 'xai-magics:ask-about-error';

export const askIcon = new LabIcon({
  name: 'xai-magics:ask',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm7.1 11.5v1.8h1.8v-1.8h-1.8zM12 5.6c-1.9 0-3.3 1.2-3.4 3h1.8c.1-.8.7-1.3 1.6-1.3.9 0 1.5.5 1.5 1.2 0 .6-.3.9-1.1 1.4-.9.6-1.3 1.2-1.3 2.3v.5h1.8v-.4c0-.6.2-.9 1-1.4.9-.6 1.5-1.3 1.5-2.4 0-1.7-1.4-2.9-3.4-2.9z"/>' +
    '</svg>'
});

/** The last error output of a code cell, or null when the cell did not fail. */
export function errorOutput(cell: Cell | null | undefined): IErrorOutput | null {
  if (!cell || cell.model.type !== 'code') {
    return null;
  }
  const outputs = (cell.model as ICodeCellModel).outputs;
  for (let index = outputs.length - 1; index >= 0; index--) {
    const output = outputs.get(index).toJSON();
    if (output.output_type === 'error') {
      return {
        ename: String(output.ename ?? ''),
        evalue: String(output.evalue ?? ''),
        traceback: Array.isArray(output.traceback) ? output.traceback.map(String) : []
      };
    }
  }
  return null;
}

/**
 * Insert the question about `cell`'s error right after it, scrolled into view, with its editor
 * focused: Shift+Enter sends it. Resolves once the new cell is in place.
 */
export async function askAboutError(panel: NotebookPanel, cell: Cell): Promise<void> {
  const error = errorOutput(cell);
  const notebook = panel.content;
  if (!error || !notebook.model) {
    return;
  }
  const code = cell.model.sharedModel.getSource();
  const languageInfo = notebook.model.getMetadata('language_info') as
    | { name?: unknown }
    | undefined;
  const language = typeof languageInfo?.name === 'string' ? languageInfo.name : 'python';
  const context =
    language === 'python'
      ? await kernelContext(panel.sessionContext, failingCode(error, code))
      : '';
  const source = buildErrorPrompt(error, code, language, context);
  // Looked up after the kernel answered: cells may have moved meanwhile.
  const at = notebook.widgets.indexOf(cell);
  if (at < 0 || !notebook.model) {
    return;
  }
  const index = at + 1;
  notebook.model.sharedModel.insertCell(index, { cell_type: 'code', source });
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  await notebook.scrollToItem(index, 'smart');
  const inserted = notebook.widgets[index];
  await inserted.ready;
  notebook.mode = 'edit';
  inserted.editor?.focus();
}

/**
 * Registers the command and keeps its visibility in step with the active cell's outputs, so the
 * cell toolbar button appears exactly on failed cells.
 */
export function addAskAboutErrorCommand(
  commands: CommandRegistry,
  tracker: INotebookTracker,
  isSwitchedOn: () => boolean
): void {
  const failedCell = () => {
    const cell = tracker.activeCell;
    return isSwitchedOn() && errorOutput(cell) !== null ? cell : null;
  };

  commands.addCommand(ASK_ABOUT_ERROR, {
    label: 'Ask Grok About This Error',
    caption: 'Insert a %%grok cell below that asks about this cell’s error',
    icon: askIcon,
    isEnabled: () => failedCell() !== null,
    isVisible: () => failedCell() !== null,
    execute: () => {
      const panel = tracker.currentWidget;
      const cell = failedCell();
      return panel && cell ? askAboutError(panel, cell) : undefined;
    }
  });

  let watchedOutputs: ICodeCellModel['outputs'] | null = null;
  const notify = () => commands.notifyCommandChanged(ASK_ABOUT_ERROR);
  tracker.activeCellChanged.connect((_, cell) => {
    watchedOutputs?.changed.disconnect(notify);
    watchedOutputs = cell?.model.type === 'code' ? (cell.model as ICodeCellModel).outputs : null;
    watchedOutputs?.changed.connect(notify);
    notify();
  });
}
