/**
 * Values that sh, bash, zsh, fish or csh would read differently if a command line quoted them for the wrong
 * shell: quotes, $(), backticks, ;|&, globs, zsh's leading `=`, fish's `\` in single quotes and `%self`.
 */

export const HOSTILE_ARGS = [
  "it's $(id)",
  '\\',
  "\\'",
  '=ls',
  '%self',
  '{a,b}',
  '!!',
  'a"b',
  '`id`',
  '$status',
  '(echo x)',
  '~',
  '*',
  'a;b|c&d',
  'é ☃'
]

/** `app-args` as a user writes it: single quotes, or double quotes for a word holding one. */
export function appArgsInput(args: string[]): string {
  return args.map(arg => (arg.includes("'") ? `"${arg.replace(/["\\]/g, '\\$&')}"` : `'${arg}'`)).join(' ')
}

/** `env` values are one line each (a newline would start the next KEY=VALUE), so these have none. */
export const HOSTILE_ENV: Record<string, string> = {
  HOSTILE: 'it\'s $(id) `id` "q" \\ \\\' %self {a,b} !! ~ * $status (echo x)',
  LEADING_EQUALS: '=ls',
  COMMANDS: 'x; touch /tmp/pwned && echo $HOME | cat'
}

export function envInput(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')
}

/**
 * Text a server could send that GitHub would render as markup if it reached Markdown or HTML unescaped: tags that
 * close the summary's own blocks, links, images, mentions, tables, headings and workflow commands.
 */
export const HOSTILE_MARKUP = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '</td></tr></table><h1>taken over</h1>',
  '</pre></details><a href="https://e.vil">click</a>',
  '[link](https://e.vil) ![image](https://e.vil/x.png) https://e.vil/auto',
  '**bold** _em_ ~~gone~~ `code`',
  '| a | b |\n| --- | --- |\n| c | d |',
  '\n\n# heading\n\n- item',
  '@octocat #1 <!-- open comment',
  '&lt;b&gt;entity&lt;/b&gt; &amp;',
  '::error::injected\n##[warning]legacy'
]
