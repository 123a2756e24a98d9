/**
 * Turns a cell's error output into the text of a `%%grok` cell that asks about it.
 *
 * Pure functions only, so the prompt can be reasoned about without a notebook. The cell uses
 * `%%grok --raw`, so the failing code and traceback read (and are sent) exactly as written.
 */

/** The fields of an nbformat error output that the prompt uses. */
export interface IErrorOutput {
  ename: string;
  evalue: string;
  traceback: readonly string[];
}

/** Caps that keep the question small enough to be cheap and focused. */
export const PROMPT_LIMITS = {
  /** Traceback entries kept, counted from the end (where the failing frames are). */
  frames: 3,
  tracebackChars: 3000,
  codeChars: 3000,
  evalueChars: 500,
  /** The failing lines whose names the kernel is asked to describe. */
  failingChars: 2000,
  /** The kernel caps its description; this guards against a kernel that does not. */
  contextChars: 2500
};

// CSI sequences (colours, cursor moves), OSC sequences (hyperlinks, titles) and two-byte escapes.
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Remove terminal escape sequences: IPython colours its tracebacks. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, '');
}

/** Keep the end of the text, where the innermost frame and the exception are. */
export function keepTail(text: string, maxChars: number): string {
  if (text.length <= maxChars) {
    return text;
  }
  const omitted = text.length - maxChars;
  return `… (${omitted} characters omitted)\n` + text.slice(text.length - maxChars);
}

/** Keep both ends of the text: the failing line of a long cell can be anywhere. */
export function keepEnds(text: string, maxChars: number): string {
  if (text.length <= maxChars) {
    return text;
  }
  const half = Math.floor(maxChars / 2);
  const omitted = text.length - 2 * half;
  return (
    text.slice(0, half) +
    `\n… (${omitted} characters omitted) …\n` +
    text.slice(text.length - half)
  );
}

/** A Markdown code fence longer than any run of backticks inside the text. */
export function fence(text: string, info = ''): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map(run => run.length));
  const ticks = '`'.repeat(Math.max(3, longestRun + 1));
  return `${ticks}${info}\n${text.replace(/\n+$/, '')}\n${ticks}`;
}

// IPython's frame header for code typed in a cell ("Cell In[3], line 2"; "<ipython-input-3-…>"
// before IPython 8), and its marker of the line that raised ("----> 2 df['x']").
const CELL_FRAME = /^(?:Cell In\s*\[\d*\]|.*<ipython-input-)/m;
const CELL_LINE = /^(?:Cell In\s*\[\d*\], line (\d+))/m;
const ARROW = /^-*>\s*\d+\s?(.*)$/gm;

/** The traceback entries that are frames of code typed in a notebook cell. */
function cellFrames(error: IErrorOutput): string[] {
  return error.traceback.map(stripAnsi).filter(frame => CELL_FRAME.test(frame));
}

/** The lines IPython marks as the ones that raised, in the given frames, outermost first. */
function markedLines(frames: readonly string[]): string[] {
  return frames.flatMap(frame => Array.from(frame.matchAll(ARROW), match => match[1].trim()));
}

/**
 * The lines of the user's own code that raised: the marked line of each traceback frame in a
 * notebook cell (a function defined in another cell included), else the line the header names,
 * else the whole cell. The kernel describes the variables these lines name.
 */
export function failingCode(error: IErrorOutput, code: string): string {
  const frames = cellFrames(error);
  const marked = markedLines(frames);
  if (marked.length) {
    return keepTail(marked.join('\n'), PROMPT_LIMITS.failingChars);
  }
  const line = frames.length ? Number(CELL_LINE.exec(frames[frames.length - 1])?.[1]) : NaN;
  const lines = code.split('\n');
  if (line >= 1 && line <= lines.length) {
    return lines[line - 1];
  }
  return keepEnds(code, PROMPT_LIMITS.failingChars);
}

/** The whole `%%grok` cell asking why `code` raised `error`; `context` is the kernel's
 * description of the variables the failing line names (empty when it has none). */
export function buildErrorPrompt(
  error: IErrorOutput,
  code: string,
  language = 'python',
  context = ''
): string {
  const ename = stripAnsi(error.ename).trim() || 'Error';
  const evalue = keepEnds(
    stripAnsi(error.evalue).replace(/\s+/g, ' ').trim(),
    PROMPT_LIMITS.evalueChars
  );
  const frames = error.traceback
    .slice(-PROMPT_LIMITS.frames)
    .map(stripAnsi)
    .join('\n')
    .trim();
  const traceback = keepTail(frames, PROMPT_LIMITS.tracebackChars);
  const source = keepEnds(code, PROMPT_LIMITS.codeChars);
  const exception = (evalue ? `${ename}: ${evalue}` : ename).replace(/`/g, "'");
  // The marked lines of the notebook's own frames: the end of a long traceback is often all
  // library code, and the failing line may be in a function another cell defined.
  const marked = markedLines(cellFrames(error)).join('\n');
  const raised =
    marked && marked !== code.trim()
      ? [
          'The line that raised, in the notebook’s code:',
          fence(keepTail(marked, PROMPT_LIMITS.failingChars), language),
          ''
        ]
      : [];
  const body: string[] = [
    `This notebook cell raised \`${exception}\`.`,
    'Explain the cause in a few sentences, then show the corrected code.',
    '',
    'The cell:',
    fence(source, language),
    '',
    ...raised,
    'The end of the traceback:',
    fence(traceback)
  ];
  const described = keepEnds(stripAnsi(context).trim(), PROMPT_LIMITS.contextChars);
  if (described) {
    body.push('', 'What the failing line names (shapes, columns and dtypes):', fence(described));
  }
  // --raw: the code and traceback are sent exactly as they read, braces and all.
  return `%%grok --raw\n${body.join('\n')}\n`;
}
