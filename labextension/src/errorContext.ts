/**
 * Asks the kernel, silently, what the names in a failing line are: the columns and dtypes of a
 * DataFrame are what a model needs to fix a KeyError, and only the kernel knows them.
 *
 * The request is an execute request with no code, `silent` and `store_history` false, and one
 * `user_expressions` entry calling `xai_magics.errorhelp.describe_in_kernel`: it adds nothing to
 * the history, the execution count or the outputs. The helper decides what may be told (never
 * values, secrets or the environment); this side only passes the failing code to it, as a JSON
 * string literal (which Python reads as the same string), and reads the JSON literal back.
 */

import { ISessionContext } from '@jupyterlab/apputils';

/** How long the prompt waits for a busy kernel before going without the description. */
export const CONTEXT_TIMEOUT_MS = 2000;

/** The Python expression that describes the names in `code`. */
export function contextExpression(code: string): string {
  return (
    "__import__('xai_magics.errorhelp', fromlist=['describe_in_kernel'])" +
    `.describe_in_kernel(${JSON.stringify(code)})`
  );
}

/** The kernel's description of the names in `code`, or '' when it cannot tell in time. */
export async function kernelContext(
  session: ISessionContext | undefined,
  code: string,
  timeoutMs = CONTEXT_TIMEOUT_MS
): Promise<string> {
  const kernel = session?.session?.kernel;
  if (!kernel || !code.trim()) {
    return '';
  }
  try {
    const future = kernel.requestExecute(
      {
        code: '',
        silent: true,
        store_history: false,
        user_expressions: { context: contextExpression(code) },
        allow_stdin: false
      },
      true
    );
    let timer = 0;
    const timedOut = new Promise<null>(resolve => {
      timer = window.setTimeout(() => resolve(null), timeoutMs);
    });
    const reply = await Promise.race([future.done, timedOut]);
    window.clearTimeout(timer);
    const content = reply?.content as
      | { status?: string; user_expressions?: Record<string, unknown> }
      | undefined;
    const value = content?.user_expressions?.context as
      | { status?: string; data?: Record<string, unknown> }
      | undefined;
    const text = value?.status === 'ok' ? value.data?.['text/plain'] : undefined;
    const parsed: unknown = typeof text === 'string' ? JSON.parse(text) : '';
    return typeof parsed === 'string' ? parsed : '';
  } catch (reason) {
    // A kernel without xai_magics, a dead kernel: the prompt goes without the description.
    console.warn('xai-magics: no description of the failing line from the kernel', reason);
    return '';
  }
}
