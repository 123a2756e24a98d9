/**
 * The `{name}` syntax of xai-magics prompt templates, as the kernel reads it
 * (`xai_magics/templates.py`; a test keeps the two patterns identical):
 *
 * - `{identifier}` is a field, unless preceded by `$` (JavaScript and shell `${x}`);
 * - `{{identifier}}` sends `{identifier}` literally;
 * - every other brace is left as written, so pasted code and JSON survive;
 * - a `%%grok --raw` cell has no fields at all: its text is sent as written.
 */

export const TEMPLATE_TOKEN_SOURCE =
  '\\{\\{([A-Za-z_][A-Za-z0-9_]*)\\}\\}|(?<!\\$)\\{([A-Za-z_][A-Za-z0-9_]*)\\}';

/** A fresh global matcher: group 1 is an escaped name, group 2 a field name. */
export function templateTokens(): RegExp {
  return new RegExp(TEMPLATE_TOKEN_SOURCE, 'g');
}

/** A `%%grok` first line with `--raw`: the body is sent as written, with no fields. */
export const RAW_PROMPT_LINE = /^%%grok\s(?:.*\s)?--raw(?:\s|$)/;
