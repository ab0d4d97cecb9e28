/** nginx configuration syntax: directives, blocks, quotes and comments, as nginx's own tokenizer reads them. Pure. */

export interface Directive {
  name: string
  args: string[]
  /** Set for block directives (`server { ... }`). */
  block?: Directive[]
  /** Where it was written, for messages. */
  file: string
  line: number
}

export class ConfigSyntaxError extends Error {}

interface Token {
  text: string
  /** `;`, `{` and `}` outside quotes are punctuation; a quoted `";"` is a word. */
  punct: boolean
  line: number
}

/** Parses one file's text into its directives. Throws ConfigSyntaxError on text nginx would reject. */
export function parseConfig(text: string, file: string): Directive[] {
  const tokens = tokenize(text, file)
  let at = 0
  const parseBlock = (closed: boolean): Directive[] => {
    const directives: Directive[] = []
    let words: Token[] = []
    for (; at < tokens.length; at++) {
      const token = tokens[at]
      if (!token.punct) words.push(token)
      else if (token.text === '}') {
        if (!closed || words.length) throw new ConfigSyntaxError(`${file}:${token.line}: unexpected "}"`)
        return directives
      } else {
        if (!words.length) throw new ConfigSyntaxError(`${file}:${token.line}: unexpected "${token.text}"`)
        const directive: Directive = { name: words[0].text, args: words.slice(1).map(w => w.text), file, line: words[0].line }
        if (token.text === '{') {
          at++
          directive.block = parseBlock(true)
        }
        directives.push(directive)
        words = []
      }
    }
    if (closed || words.length) throw new ConfigSyntaxError(`${file}: unexpected end of file, expecting ${closed ? '"}"' : '";"'}`)
    return directives
  }
  return parseBlock(false)
}

const SPACE = /[ \t\r\n]/

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = []
  let line = 1
  let i = 0
  while (i < text.length) {
    const ch = text[i]
    if (ch === '\n') line++
    if (SPACE.test(ch)) i++
    else if (ch === '#') i = skipComment(text, i)
    else if (ch === ';' || ch === '{' || ch === '}') {
      tokens.push({ text: ch, punct: true, line })
      i++
    } else if (ch === '"' || ch === "'") {
      const end = quotedEnd(text, i, file, line)
      tokens.push({ text: unescape(text.slice(i + 1, end)), punct: false, line })
      line += countLines(text.slice(i, end))
      i = end + 1
    } else {
      const end = wordEnd(text, i)
      tokens.push({ text: unescape(text.slice(i, end)), punct: false, line })
      i = end
    }
  }
  return tokens
}

function skipComment(text: string, i: number): number {
  const end = text.indexOf('\n', i)
  return end === -1 ? text.length : end
}

function quotedEnd(text: string, start: number, file: string, line: number): number {
  const quote = text[start]
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === quote) return i
  }
  throw new ConfigSyntaxError(`${file}:${line}: unterminated quoted string`)
}

/** A bare word ends at space, `;`, `{` or `}`, except that `${name}` keeps its braces. */
function wordEnd(text: string, start: number): number {
  let i = start
  while (i < text.length) {
    const ch = text[i]
    if (ch === '\\') i += 2
    else if (ch === '$' && text[i + 1] === '{') {
      const close = text.indexOf('}', i)
      i = close === -1 ? text.length : close + 1
    } else if (SPACE.test(ch) || ch === ';' || ch === '{' || ch === '}') break
    else i++
  }
  return Math.min(i, text.length)
}

/** Like nginx: `\"`, `\'` and `\\` stand for the character, `\t`, `\r`, `\n` for the control; other backslashes stay. */
function unescape(text: string): string {
  return text.replace(/\\(["'\\trn])/g, (_m, ch: string) => ({ t: '\t', r: '\r', n: '\n' })[ch] ?? ch)
}

function countLines(text: string): number {
  return text.split('\n').length - 1
}
