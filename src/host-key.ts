/** Host key checks against `host-fingerprint` and `known-hosts`, done before any credential is sent. */
import { createHash, createHmac } from 'node:crypto'

/** The OpenSSH `SHA256:` fingerprint of a raw public key blob (as `ssh-keygen -lf` prints it). */
export function fingerprintOf(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')
}

/** The host patterns a known_hosts line uses for this host and port. */
function hostNames(host: string, port: number): string[] {
  return port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`]
}

function matchesHashed(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split('|')
  if (magic !== '1' || !salt || !hash) return false
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64')
  return digest === hash
}

function hostMatches(field: string, names: string[]): boolean {
  if (field.startsWith('|')) return names.some(name => matchesHashed(field, name))
  const patterns = field.split(',')
  if (patterns.some(pattern => pattern.startsWith('!') && names.includes(pattern.slice(1)))) return false
  return patterns.some(pattern => names.includes(pattern))
}

/** Key blobs listed for this host in known_hosts text (markers such as @revoked exclude a key). */
export function knownKeysFor(knownHosts: string, host: string, port: number): { keys: Buffer[]; revoked: Buffer[] } {
  const names = hostNames(host, port)
  const keys: Buffer[] = []
  const revoked: Buffer[] = []
  for (const rawLine of knownHosts.split(/\r?\n/)) {
    const fields = rawLine.trim().split(/\s+/)
    if (!fields[0] || fields[0].startsWith('#')) continue
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined
    if (fields.length < 3 || !hostMatches(fields[0], names)) continue
    const blob = Buffer.from(fields[2], 'base64')
    if (marker === '@revoked') revoked.push(blob)
    else if (!marker) keys.push(blob)
  }
  return { keys, revoked }
}

export interface HostKeyPolicy {
  fingerprints: string[]
  knownHosts: string
  host: string
  port: number
}

/** Decides whether the presented key is trusted; returns null when it is, or the reason it is not. */
export function rejectHostKey(policy: HostKeyPolicy, keyBlob: Buffer): string | null {
  const presented = fingerprintOf(keyBlob)
  const { keys, revoked } = knownKeysFor(policy.knownHosts, policy.host, policy.port)
  if (revoked.some(key => key.equals(keyBlob))) return `the server presented a revoked host key (${presented})`
  if (policy.fingerprints.includes(presented) || keys.some(key => key.equals(keyBlob))) return null
  if (policy.fingerprints.length === 0 && !policy.knownHosts) {
    return `no 'host-fingerprint' or 'known-hosts' was given, so the server cannot be verified. It presented ${presented}`
  }
  return `the server presented host key ${presented}, which matches neither 'host-fingerprint' nor 'known-hosts'`
}
