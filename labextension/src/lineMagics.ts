/**
 * One-line grok magics in code cells (`%grok -m grok-4.3 What is 17 * 23?`, `%grok_tts Hello`,
 * `%grok_batch df --max-tokens 10`) read as magic, options and prompt, not as Python: without
 * this the prompt's words are coloured as Python keywords, numbers and operators (issue 12).
 */

import {
  Decoration,
  DecorationSet,
  EditorView,
  MatchDecorator,
  ViewPlugin,
  ViewUpdate
} from '@codemirror/view';

/** A line magic of the grok family, possibly indented; `%%grok` cells are handled elsewhere. */
const LINE_MAGIC = /^[ \t]*%grok(?:_\w+)?(?=[ \t]|$).*$/gm;

const WORD = /\S+/g;
const OPTION = /^--?[A-Za-z]/;

const magicMark = Decoration.mark({ class: 'xai-grok-line-magic' });
const optionMark = Decoration.mark({ class: 'xai-grok-line-option' });
const promptMark = Decoration.mark({ class: 'xai-grok-line-prompt' });

const matcher = new MatchDecorator({
  regexp: LINE_MAGIC,
  decorate: (add, from, _to, match) => {
    let endOfOptions = false;
    let first = true;
    for (const word of match[0].matchAll(WORD)) {
      const start = from + (word.index ?? 0);
      const end = start + word[0].length;
      if (first) {
        add(start, end, magicMark);
        first = false;
      } else if (!endOfOptions && OPTION.test(word[0])) {
        add(start, end, optionMark);
      } else {
        endOfOptions ||= word[0] === '--';
        add(start, end, promptMark);
      }
    }
  }
});

/** Marks the magic name, its options and the prompt of every grok line magic in the editor. */
export const lineMagics = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;

    constructor(view: EditorView) {
      this.decorations = matcher.createDeco(view);
    }

    update(update: ViewUpdate): void {
      this.decorations = matcher.updateDeco(update, this.decorations);
    }
  },
  { decorations: plugin => plugin.decorations }
);
