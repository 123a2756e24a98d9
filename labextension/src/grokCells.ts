/**
 * CodeMirror support for `%%grok` cells: the body is a prompt, so it is highlighted as Markdown
 * (and indented like prose), and `{name}` placeholders that the kernel fills in are marked
 * (none in a `%%grok --raw` cell, whose text is sent as written).
 *
 * The notebook gives every code cell the kernel's language; a cell only becomes a prompt when its
 * first line is a grok cell magic, which can change with every keystroke. A compartment holds the
 * prompt extensions and a transaction extender swaps them in and out as the first line changes.
 */

import { Compartment, EditorState, Extension, Prec, Text } from '@codemirror/state';
import {
  Decoration,
  DecorationSet,
  EditorView,
  MatchDecorator,
  ViewPlugin,
  ViewUpdate
} from '@codemirror/view';

import { lineMagics } from './lineMagics';
import { RAW_PROMPT_LINE, templateTokens } from './templateSyntax';

/** Cell magics whose body is a prompt template. */
export const GROK_CELL_MAGIC = /^%%grok(?:_tts)?(?:\s|$)/;

/** Whether a document is a grok cell, judged by its first line as IPython does. */
export function isGrokCell(doc: Text): boolean {
  return GROK_CELL_MAGIC.test(doc.line(1).text);
}

const placeholderMark = Decoration.mark({ class: 'xai-grok-placeholder' });

const placeholderMatcher = new MatchDecorator({
  regexp: templateTokens(),
  decorate: (add, from, to, match, view) => {
    const isField = match[2] !== undefined;
    const firstLine = view.state.doc.line(1);
    if (isField && from > firstLine.to && !RAW_PROMPT_LINE.test(firstLine.text)) {
      add(from, to, placeholderMark);
    }
  }
});

const placeholders = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;

    constructor(view: EditorView) {
      this.decorations = placeholderMatcher.createDeco(view);
    }

    update(update: ViewUpdate): void {
      // Adding or removing --raw changes what every line below means, not just the edited one.
      const rawChanged =
        update.docChanged &&
        RAW_PROMPT_LINE.test(update.startState.doc.line(1).text) !==
          RAW_PROMPT_LINE.test(update.state.doc.line(1).text);
      this.decorations = rawChanged
        ? placeholderMatcher.createDeco(update.view)
        : placeholderMatcher.updateDeco(update, this.decorations);
    }
  },
  { decorations: plugin => plugin.decorations }
);

const magicLine = EditorView.decorations.compute(['doc'], state =>
  Decoration.set([
    Decoration.line({ class: 'xai-grok-magic-line' }).range(state.doc.line(1).from)
  ])
);

/** The compartment's content for ordinary cells: only grok line magics are marked. */
const CODE: Extension = [lineMagics];

/** The compartment's content when highlighting is switched off in the settings. */
const OFF: Extension = [];

/** Marks grok cells so styles and tests can find them. */
const cellClass = EditorView.editorAttributes.of({ class: 'xai-grok-cell' });

/**
 * Switches editors between code and prompt highlighting.
 *
 * One instance serves every editor; `enabled` comes from the user's settings and `markdown`
 * arrives once JupyterLab has loaded its Markdown language.
 */
export class GrokCellHighlighter {
  private readonly _compartment = new Compartment();
  private _prompt: Extension = [cellClass, magicLine, placeholders];
  private _enabled = true;

  /** The extension for one editor, starting from the source it opens with. */
  extension(initialSource: string): Extension {
    const firstLine = initialSource.split('\n', 1)[0];
    const initial = this._wanted(GROK_CELL_MAGIC.test(firstLine));
    return [
      this._compartment.of(initial),
      EditorState.transactionExtender.of(transaction => {
        const wanted = this._wanted(isGrokCell(transaction.newDoc));
        if (this._compartment.get(transaction.startState) === wanted) {
          return null;
        }
        return { effects: this._compartment.reconfigure(wanted) };
      })
    ];
  }

  private _wanted(grokCell: boolean): Extension {
    return !this._enabled ? OFF : grokCell ? this._prompt : CODE;
  }

  get enabled(): boolean {
    return this._enabled;
  }

  /** Takes effect on each editor's next transaction; see `refresh`. */
  set enabled(value: boolean) {
    this._enabled = value;
  }

  /**
   * Use this Markdown language for prompt bodies. It takes precedence over the cell's own
   * language, so the prose is neither coloured nor auto-indented as code.
   */
  setMarkdown(markdown: Extension): void {
    this._prompt = [Prec.highest(markdown), cellClass, magicLine, placeholders];
  }

  /** Re-evaluate an editor after `enabled` or the Markdown language changed. */
  static refresh(view: EditorView): void {
    view.dispatch({});
  }
}
