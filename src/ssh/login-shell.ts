/**
 * What goes to the login shell, and how its own output is told apart from the command's.
 *
 * sshd runs every command through the login user's shell, which may be bash, dash, zsh, fish or csh and
 * may print a greeting first (bash reads ~/.bashrc even for `ssh host command`). That shell gets only
 * `exec sh -c 'eval "$(printf "…")"'`, where the printf format spells the command in characters each of
 * those shells reads literally inside single quotes, every other byte as an octal escape; `sh` rebuilds the
 * command line that shellJoin quoted for a POSIX shell and runs it. Before the command it prints a marker on
 * stdout and on stderr, so whatever precedes the marker is the login shell's.
 */
import { randomBytes } from 'node:crypto'
import { quote, shellJoin } from '../commands/shell.js'

/** A marker no greeting will print by chance. */
export function newMarker(): string {
  return `bgdeploy-frame-${randomBytes(12).toString('hex')}`
}

/** The text sent as the SSH exec request. */
export function loginShellLine(argv: readonly string[], marker: string): string {
  return `exec sh -c 'eval "$(printf "${printfFormat(framedScript(argv, marker))}")"'`
}

// Kept literally by every login shell inside '…' (fish: not \; csh: not ! or a line break), by sh inside "…"
// (not $ ` " \), and by printf's format (not \ or %). A `\` is always followed by three octal digits.
const PLAIN = /^[A-Za-z0-9 #&()*+,\-./:;<=>?@[\]^_{|}~]$/

/** A printf format that prints `text`: plain characters as they are, `%` as `%%`, every other byte as `\ooo`. */
export function printfFormat(text: string): string {
  let format = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte)
    format += char === '%' ? '%%' : PLAIN.test(char) ? char : `\\${byte.toString(8).padStart(3, '0')}`
  }
  return format
}

/** The POSIX sh text the format spells: the marker on both streams, then the command. */
export function framedScript(argv: readonly string[], marker: string): string {
  const mark = shellJoin(['printf', '%s', marker])
  return `${mark}; ${mark} >&2; ${execLine(argv)}`
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/

// `exec`, so that the command is the session's process as it was when a POSIX login shell ran it directly:
// a timeout's KILL reaches the command, not just the `sh` that eval'd it. Leading NAME=value words that
// shellJoin left unquoted are assignments to sh, and must stay in front of `exec` to stay that.
function execLine(argv: readonly string[]): string {
  const first = argv.findIndex(arg => !(ASSIGNMENT.test(arg) && quote(arg) === arg))
  if (first < 0) return shellJoin(argv)
  const assignments = first > 0 ? `${shellJoin(argv.slice(0, first))} ` : ''
  return `${assignments}exec ${shellJoin(argv.slice(first))}`
}

const NOTHING = Buffer.alloc(0)

/** One output stream split at the marker: what came before is the login shell's, what follows is the command's. */
export class Unframer {
  private head = NOTHING
  private found = false
  /** What the login shell printed before the marker (set once the marker has passed). */
  greeting = ''

  constructor(private readonly marker: string) {}

  /** The command's part of `chunk`: nothing until the marker has passed, then everything. */
  push(chunk: Buffer): Buffer {
    if (this.found) return chunk
    this.head = Buffer.concat([this.head, chunk])
    const at = this.head.indexOf(this.marker)
    if (at < 0) return NOTHING
    this.found = true
    this.greeting = this.head.subarray(0, at).toString('utf8')
    const rest = this.head.subarray(at + Buffer.byteLength(this.marker))
    this.head = NOTHING
    return rest
  }

  /** True once the marker has passed: the command started. */
  get framed(): boolean {
    return this.found
  }

  /** Everything the stream carried, when the marker never came (the login shell ended before the command). */
  unframed(): Buffer {
    return this.head
  }
}

const GREETING_SHOWN = 600

/** The one warning a run shows about a greeting. */
export function greetingWarning(where: string, greeting: string): string {
  const text = greeting.trim()
  const shown = text.length > GREETING_SHOWN ? `${text.slice(0, GREETING_SHOWN)}…` : text
  return (
    `The login shell of ${where} printed text before each command (from ~/.bashrc or another startup file); ` +
    `the action ignores it:\n${shown}`
  )
}
