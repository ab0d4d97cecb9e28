/**
 * known_hosts read as OpenSSH reads it: comma lists of host patterns with `*`, `?` and `!` negation,
 * host names compared case-insensitively, `[host]:port` for ports other than 22, hashed `|1|` names,
 * and the `@revoked` marker.
 */
import { createHmac } from 'node:crypto'

export interface KnownHostKey {
  /** The public key blob, as the server sends it during the key exchange. */
  key: Buffer
  /** Listed with `@revoked`: refused whatever else trusts it. */
  revoked: boolean
}

/**
 * The names a known_hosts line can use for this host and port. OpenSSH itself only writes `[host]:port`
 * for ports other than 22; `[host]:22` is accepted too, as this action always did.
 */
export function hostNames(host: string, port: number): string[] {
  const name = host.toLowerCase()
  return port === 22 ? [name, `[${name}]:22`] : [`[${name}]:${port}`]
}

/** One glob against one name: `*` is any run of characters (also none), `?` exactly one. */
export function globMatches(pattern: string, name: string): boolean {
  let p = 0
  let n = 0
  let starAt = -1
  let starName = 0
  while (n < name.length) {
    if (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === name[n])) {
      p++
      n++
    } else if (pattern[p] === '*') {
      starAt = p++
      starName = n
    } else if (starAt >= 0) {
      p = starAt + 1
      n = ++starName
    } else {
      return false
    }
  }
  while (pattern[p] === '*') p++
  return p === pattern.length
}

/** -1: a `!pattern` matches (the line is excluded); 1: a pattern matches; 0: none does. */
function patternListVerdict(list: string, name: string): -1 | 0 | 1 {
  let verdict: 0 | 1 = 0
  for (const entry of list.toLowerCase().split(',')) {
    const negated = entry.startsWith('!')
    if (!globMatches(negated ? entry.slice(1) : entry, name)) continue
    if (negated) return -1
    verdict = 1
  }
  return verdict
}

function hashedMatches(field: string, name: string): boolean {
  const [, magic, salt, hash] = field.split('|')
  if (magic !== '1' || !salt || !hash) return false
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash
}

/** Whether a known_hosts host field names this host; a matching negation excludes it outright. */
export function hostFieldMatches(field: string, names: string[]): boolean {
  if (field.startsWith('|')) return names.some(name => hashedMatches(field, name))
  const verdicts = names.map(name => patternListVerdict(field, name))
  return !verdicts.includes(-1) && verdicts.includes(1)
}

/**
 * The keys known_hosts text lists for this host. `@cert-authority` lines are skipped (host certificates
 * are not used) and so are lines with an unknown marker, as OpenSSH does.
 */
export function knownKeysFor(knownHosts: string, host: string, port: number): KnownHostKey[] {
  const names = hostNames(host, port)
  const found: KnownHostKey[] = []
  for (const rawLine of knownHosts.split(/\r?\n/)) {
    const fields = rawLine.trim().split(/\s+/)
    if (!fields[0] || fields[0].startsWith('#')) continue
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined
    if (marker !== undefined && marker !== '@revoked') continue
    if (fields.length < 3 || !hostFieldMatches(fields[0], names)) continue
    found.push({ key: Buffer.from(fields[2], 'base64'), revoked: marker === '@revoked' })
  }
  return found
}
