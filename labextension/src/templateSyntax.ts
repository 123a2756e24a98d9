/**
 * The `{name}` syntax of xai-magics prompt templates, as the kernel reads it
 * (`xai_magics/templates.py`; a test keeps the two patterns identical):
 *
 * - `{identifier}` is a field, unless preceded by `$` (JavaScript and shell `${x}`);
 * - `{{identifier}}` sends `{identifier}` literally;
 * - every other brace is left as written, so pasted code and JSON survive.
 */

export const TEMPLATE_TOKEN_SOURCE =
  '\\{\\{([A-Za-z_][A-Za-z0-9_]*)\\}\\}|(?<!\\$)\\{([A-Za-z_][A-Za-z0-9_]*)\\}';

/** A fresh global matcher: group 1 is an escaped name, group 2 a field name. */
export function templateTokens(): RegExp {
  return new RegExp(TEMPLATE_TOKEN_SOURCE, 'g');
}

/**
 * Text that the template engine turns back into exactly `text`: each field gets one more pair
 * of braces, and so does each escape (`{{x}}` becomes `{{{x}}}`, read as `{` + `{x}` + `}`).
 */
export function escapeTemplate(text: string): string {
  return text.replace(templateTokens(), token => `{${token}}`);
}
