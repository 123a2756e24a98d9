/**
 * A labelled "Ask Grok about this error" button under every error output of every notebook,
 * not only on the active cell: a failure is seen where it is printed, and that is where the
 * action belongs.
 *
 * The button is a widget added to the output's own panel (the row holding its prompt and the
 * rendered traceback), so it goes when the output goes: a re-run, a clear, a re-render. The
 * buttons are brought in step with the outputs whenever a cell's outputs change, a cell is
 * added or first rendered, and when the setting changes.
 */

import { Cell, CodeCell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Panel, Widget } from '@lumino/widgets';

import { askAboutError, askIcon } from './askAboutError';

const BUTTON_CLASS = 'xai-AskError';
const HOST_CLASS = 'xai-AskError-host';
export const ASK_LABEL = 'Ask Grok about this error';

/** One button: a small widget whose click asks about its cell's error. */
function createButton(panel: NotebookPanel, cell: Cell): Widget {
  const node = document.createElement('div');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'jp-Button xai-AskError-button';
  button.title = 'Insert a %%grok cell below that asks Grok about this error';
  button.appendChild(askIcon.element({ tag: 'span', className: 'xai-AskError-icon' }));
  const label = document.createElement('span');
  label.textContent = ASK_LABEL;
  button.appendChild(label);
  node.appendChild(button);
  const widget = new Widget({ node });
  widget.addClass(BUTTON_CLASS);
  button.addEventListener('click', event => {
    event.stopPropagation();
    button.disabled = true;
    void askAboutError(panel, cell).finally(() => {
      button.disabled = false;
    });
  });
  return widget;
}

export class ErrorButtons {
  private readonly watched = new WeakSet<CodeCell>();

  constructor(
    private readonly tracker: INotebookTracker,
    private readonly isSwitchedOn: () => boolean
  ) {
    tracker.widgetAdded.connect((_, panel) => this.watchPanel(panel));
    tracker.forEach(panel => this.watchPanel(panel));
  }

  /** Bring every notebook's buttons in step (the setting changed). */
  refresh(): void {
    this.tracker.forEach(panel => {
      for (const cell of panel.content.widgets) {
        if (cell instanceof CodeCell && !cell.isPlaceholder()) {
          this.sync(panel, cell);
        }
      }
    });
  }

  private watchPanel(panel: NotebookPanel): void {
    const watchCells = () => {
      for (const cell of panel.content.widgets) {
        if (cell instanceof CodeCell) {
          this.watchCell(panel, cell);
        }
      }
    };
    panel.content.modelChanged.connect(() => {
      panel.content.model?.cells.changed.connect(watchCells);
      watchCells();
    });
    panel.content.model?.cells.changed.connect(watchCells);
    watchCells();
  }

  private watchCell(panel: NotebookPanel, cell: CodeCell): void {
    if (this.watched.has(cell)) {
      return;
    }
    this.watched.add(cell);
    // The output area of a cell that was never on screen may not exist yet.
    void cell.ready.then(() => {
      if (cell.isDisposed) {
        return;
      }
      // Connected after the output area's own handler: its widgets are in place when this runs.
      cell.outputArea.model.changed.connect(() => this.sync(panel, cell));
      this.sync(panel, cell);
    });
  }

  /** Add a button to each error output that lacks one; remove those no longer wanted. */
  private sync(panel: NotebookPanel, cell: CodeCell): void {
    const area = cell.outputArea;
    const outputs = area.model;
    const on = this.isSwitchedOn();
    area.widgets.forEach((child, index) => {
      if (!(child instanceof Panel)) {
        return;
      }
      const wanted = on && index < outputs.length && outputs.get(index).type === 'error';
      const existing = child.widgets.find(widget => widget.hasClass(BUTTON_CLASS));
      if (wanted && !existing) {
        child.addClass(HOST_CLASS);
        child.addWidget(createButton(panel, cell));
      } else if (!wanted && existing) {
        child.removeClass(HOST_CLASS);
        existing.dispose();
      }
    });
  }
}
