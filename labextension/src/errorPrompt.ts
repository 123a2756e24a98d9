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
  evalueChars: 500
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

/** The whole `%%grok` cell asking why `code` raised `error`. */
export function buildErrorPrompt(
  error: IErrorOutput,
  code: string,
  language = 'python'
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
  const body = [
    `This notebook cell raised \`${exception}\`.`,
    'Explain the cause in a few sentences, then show the corrected code.',
    '',
    'The cell:',
    fence(source, language),
    '',
    'The end of the traceback:',
    fence(traceback)
  ].join('\n');
  // --raw: the code and traceback are sent exactly as they read, braces and all.
  return `%%grok --raw\n${body}\n`;
}
