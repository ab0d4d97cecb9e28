/** Small parsers for input values. Each returns the parsed value or throws InputError naming the input. */
import { InputError } from '../errors.js'
import { splitWords } from '../commands/shell.js'

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/

/** `500ms`, `30s`, `2m`, `1h`, or a bare number of seconds. Returns milliseconds. */
export function parseDuration(input: string, value: string): number {
  const match = DURATION.exec(value.trim())
  if (!match) throw new InputError(input, value, 'a duration such as 500ms, 30s, 2m or a number of seconds')
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
  return Math.round(Number(match[1]) * factor)
}

export function parseInteger(input: string, value: string, min: number, max: number): number {
  const trimmed = value.trim()
  const number = Number(trimmed)
  if (!/^\d+$/.test(trimmed) || number < min || number > max) {
    throw new InputError(input, value, `a whole number from ${min} to ${max}`)
  }
  return number
}

export function parsePort(input: string, value: string): number {
  return parseInteger(input, value, 1, 65535)
}

export function parseBoolean(input: string, value: string): boolean {
  const normalized = value.trim().toLowerCase()
  if (['true', 'yes', '1', 'on'].includes(normalized)) return true
  if (['false', 'no', '0', 'off', ''].includes(normalized)) return false
  throw new InputError(input, value, 'true or false')
}

export function parseChoice<T extends string>(input: string, value: string, choices: readonly T[]): T {
  const normalized = value.trim().toLowerCase()
  const found = choices.find(choice => choice === normalized)
  if (!found) throw new InputError(input, value, `one of ${choices.join(', ')}`)
  return found
}

/** A list of words written like a shell command line (quotes allowed, no expansion). */
export function parseWords(input: string, value: string): string[] {
  const words = splitWords(value)
  if ('error' in words) throw new InputError(input, value, `words separated by spaces (${words.error})`)
  return words
}

export function parseCommand(input: string, value: string): string[] {
  const words = parseWords(input, value)
  if (words.length === 0) throw new InputError(input, value, 'a command, such as "nginx -t"')
  return words
}

/** Items separated by commas or newlines, blanks dropped. */
export function parseList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map(item => item.trim())
    .filter(item => item !== '')
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Multiline `KEY=VALUE`; blank lines and `#` comments are skipped. Values are taken literally. */
export function parseEnv(input: string, value: string): [string, string][] {
  const entries: [string, string][] = []
  for (const rawLine of value.split(/\r?\n/)) {
    const line = rawLine.trim() === '' || rawLine.trimStart().startsWith('#') ? '' : rawLine
    if (!line) continue
    const eq = line.indexOf('=')
    const key = eq > 0 ? line.slice(0, eq).trim() : ''
    if (!ENV_KEY.test(key)) {
      throw new InputError(input, `${key || line.slice(0, 20)}...`, 'lines of KEY=VALUE with KEY made of letters, digits and _')
    }
    const entryValue = line.slice(eq + 1)
    if (entryValue.includes('\0')) throw new InputError(input, key, 'values without NUL bytes')
    entries.push([key, entryValue])
  }
  return entries
}

/** A remote path: no control characters, no leading dash (it would read as an option). `~/` means home. */
export function parseRemotePath(input: string, value: string): string {
  const trimmed = value.trim().replace(/^~\//, '')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (trimmed === '' || trimmed === '~' || /[\0-\x1f\x7f]/.test(trimmed) || trimmed.startsWith('-')) {
    throw new InputError(input, value, 'a path on the server (absolute, or relative to the login home), without control characters')
  }
  return trimmed.replace(/\/+$/, '') || '/'
}

/** `SHA256:base64` fingerprints as `ssh-keygen -lf` prints them. */
export function parseFingerprints(input: string, value: string): string[] {
  const items = parseList(value)
  for (const item of items) {
    if (!/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(item)) {
      throw new InputError(
        input,
        item,
        "an OpenSSH fingerprint such as SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8 (from 'ssh-keygen -lf')"
      )
    }
  }
  return items.map(item => item.replace(/=$/, ''))
}

/** A command whose first word is a program (java, docker, sudo docker): no leading dash. */
export function parseProgram(input: string, value: string): string[] {
  const words = parseCommand(input, value)
  if (words[0].startsWith('-')) throw new InputError(input, value, 'a program name or path, optionally followed by arguments')
  return words
}

const IMAGE_REF =
  /^(?:[A-Za-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/

export function parseImageRef(input: string, value: string): string {
  if (!IMAGE_REF.test(value))
    throw new InputError(input, value, 'an image reference such as ghcr.io/acme/api:1.4.2 or ghcr.io/acme/api@sha256:<64 hex>')
  return value
}

// The action sets these itself; letting them through would break slot naming, port mapping or detaching.
const RESERVED_RUN_FLAGS = [
  '--name',
  '-p',
  '--publish',
  '-P',
  '--publish-all',
  '--env-file',
  '-d',
  '--detach',
  '--rm',
  '-i',
  '--interactive',
  '-t',
  '--tty',
  '-it'
]

/** Extra `docker run` options: flags and their values only, so nothing can take the image's place. */
export function parseRunArgs(input: string, value: string): string[] {
  const words = parseWords(input, value)
  words.forEach((word, index) => {
    const flag = word.split('=')[0]
    if (RESERVED_RUN_FLAGS.includes(flag))
      throw new InputError(input, word, `options other than ${RESERVED_RUN_FLAGS.join(' ')}, which the action sets itself`)
    const previous = words[index - 1]
    const isValue = previous !== undefined && previous.startsWith('-') && !previous.includes('=')
    if (!word.startsWith('-') && !isValue)
      throw new InputError(input, word, 'options and their values only (such as --memory 512m --network app), no extra arguments')
  })
  return words
}

/** A value that must be given. */
export function required(input: (name: string) => string, name: string, expected: string): string {
  const value = input(name)
  if (!value) throw new InputError(name, '', expected)
  return value
}

export const HOST = /^[A-Za-z0-9_][A-Za-z0-9._-]*$|^[0-9A-Fa-f:.]+$/

/** `name`, `name:port`, `[v6]:port` or a bare IPv6 address; the port defaults to `defaultPort`. */
export function parseHostPort(name: string, value: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(value)
  const single = /^([^:]+)(?::(\d+))?$/.exec(value)
  const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : single ? [single[1], single[2]] : [value, undefined]
  if (!HOST.test(host)) throw new InputError(name, value, 'host names or IP addresses, each optionally with :port')
  if (port === undefined) return { host, port: defaultPort }
  const number = Number(port)
  if (number < 1 || number > 65535) throw new InputError(name, value, 'host:port (or [IPv6]:port) with a port from 1 to 65535')
  return { host, port: number }
}

/** The `host` input: one or more app hosts, comma- or newline-separated. */
export function parseHosts(value: string, defaultPort: number): { label: string; host: string; port: number }[] {
  const items = parseList(value)
  if (!items.length) throw new InputError('host', value, 'the server host name or IP address (or several, comma-separated)')
  const hosts = items.map(item => ({ label: item, ...parseHostPort('host', item, defaultPort) }))
  const seen = new Set<string>()
  for (const { label, host, port } of hosts) {
    if (seen.has(`${host}:${port}`)) throw new InputError('host', value, `each host once (${label} is listed twice)`)
    seen.add(`${host}:${port}`)
  }
  return hosts
}
