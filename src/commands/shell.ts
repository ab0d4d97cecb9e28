/**
 * The one place that turns argv arrays into shell text for the remote login shell.
 * Every remote command is built as an argv array and passes through `shellJoin`; nothing else
 * pastes values into a shell string.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/

/** Quotes one argument so that any POSIX shell reads it back as exactly one literal word. */
export function quote(arg: string): string {
  if (arg.includes('\0')) {
    throw new Error('a command argument contains a NUL byte, which no shell argument can carry')
  }
  if (arg !== '' && SAFE_WORD.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

/** Joins an argv array into one shell command line. */
export function shellJoin(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('empty command')
  return argv.map(quote).join(' ')
}

/**
 * Splits a user-written command or option list (`java-options`, `nginx-test-command`, ...) into
 * words the way a shell would for plain words and quotes, without expansion of any kind.
 * Returns an error message instead of words when quotes are unbalanced.
 */
export function splitWords(text: string): string[] | { error: string } {
  const words: string[] = []
  let current = ''
  let inWord = false
  let quoteChar: '"' | "'" | null = null
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoteChar) {
      if (ch === quoteChar) quoteChar = null
      else if (ch === '\\' && quoteChar === '"' && (text[i + 1] === '"' || text[i + 1] === '\\')) current += text[++i]
      else current += ch
    } else if (ch === '"' || ch === "'") {
      quoteChar = ch
      inWord = true
    } else if (ch === '\\' && i + 1 < text.length) {
      current += text[++i]
      inWord = true
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current)
      current = ''
      inWord = false
    } else {
      current += ch
      inWord = true
    }
  }
  if (quoteChar) return { error: `unbalanced ${quoteChar} quote` }
  if (inWord) words.push(current)
  return words
}
