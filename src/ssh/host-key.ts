/** Host key checks against `host-fingerprint` and `known-hosts`, done before any credential is sent. */
import { createHash } from 'node:crypto'
import type { ServerHostKeyAlgorithm } from 'ssh2'
import { hostNames, knownKeysFor } from './known-hosts.js'

/** The OpenSSH `SHA256:` fingerprint of a raw public key blob (as `ssh-keygen -lf` prints it). */
export function fingerprintOf(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')
}

/** The key type a blob starts with (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, ...). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown'
  return keyBlob.subarray(4, 4 + keyBlob.readUInt32BE(0)).toString('latin1')
}

/** ssh2's host-key algorithms, best first. */
export const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa'
]

/** The key type an algorithm signs with: the rsa-sha2 algorithms use `ssh-rsa` keys. */
export function keyTypeOfAlgorithm(algorithm: string): string {
  return algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm
}

export interface HostKeyPolicy {
  fingerprints: string[]
  knownHosts: string
  host: string
  port: number
  /** The input holding the fingerprints, for messages: `host-fingerprint` or `proxy-host-fingerprint`. */
  fingerprintInput?: string
}

/**
 * trusted: pinned or listed; revoked: listed `@revoked` (refused even when pinned); changed: known-hosts
 * lists another key of the same type; unknown: matches nothing; unverifiable: nothing to check against.
 */
export type HostKeyVerdict = 'trusted' | 'revoked' | 'changed' | 'unknown' | 'unverifiable'

export function judgeHostKey(policy: HostKeyPolicy, keyBlob: Buffer): HostKeyVerdict {
  const known = knownKeysFor(policy.knownHosts, policy.host, policy.port)
  if (known.some(entry => entry.revoked && entry.key.equals(keyBlob))) return 'revoked'
  const listed = known.filter(entry => !entry.revoked)
  if (policy.fingerprints.includes(fingerprintOf(keyBlob)) || listed.some(entry => entry.key.equals(keyBlob))) return 'trusted'
  if (policy.fingerprints.length === 0 && !policy.knownHosts) return 'unverifiable'
  return listed.some(entry => keyTypeOf(entry.key) === keyTypeOf(keyBlob)) ? 'changed' : 'unknown'
}

/**
 * Host-key algorithms in the order to offer them: those whose key type known-hosts lists for this host
 * first, as OpenSSH does, so the server presents a key that can be checked.
 */
export function preferredAlgorithms(policy: HostKeyPolicy): ServerHostKeyAlgorithm[] {
  const known = knownKeysFor(policy.knownHosts, policy.host, policy.port).filter(entry => !entry.revoked)
  const types = new Set(known.map(entry => keyTypeOf(entry.key)))
  const isKnown = (algorithm: string) => types.has(keyTypeOfAlgorithm(algorithm))
  return [...HOST_KEY_ALGORITHMS.filter(isKnown), ...HOST_KEY_ALGORITHMS.filter(algorithm => !isKnown(algorithm))]
}

export interface PresentedKey {
  fingerprint: string
  type: string
  verdict: HostKeyVerdict
}

export function presentedKey(policy: HostKeyPolicy, keyBlob: Buffer): PresentedKey {
  return { fingerprint: fingerprintOf(keyBlob), type: keyTypeOf(keyBlob), verdict: judgeHostKey(policy, keyBlob) }
}

/** Why the keys the server presented (in the order it presented them) are not trusted. */
export function refusalOf(policy: HostKeyPolicy, presented: PresentedKey[]): string {
  const input = policy.fingerprintInput ?? 'host-fingerprint'
  const [first, ...others] = presented
  const revoked = presented.find(key => key.verdict === 'revoked')
  if (revoked) {
    return (
      `the server presented host key ${revoked.fingerprint} (${revoked.type}), which 'known-hosts' marks @revoked; a revoked key ` +
      `is refused even when '${input}' pins it`
    )
  }
  if (first.verdict === 'unverifiable') {
    return `no '${input}' or 'known-hosts' was given, so the server cannot be verified. It presented ${first.fingerprint}`
  }
  const rest = others.length ? `; nor do its other host keys: ${others.map(key => `${key.fingerprint} (${key.type})`).join(', ')}` : ''
  return (
    `the server presented host key ${first.fingerprint}, which matches neither '${input}' nor 'known-hosts'${rest}. ` +
    `${expectation(policy, input, presented)}`
  )
}

/** What would have been trusted, and whether known-hosts says the key changed (OpenSSH's loud warning). */
function expectation(policy: HostKeyPolicy, input: string, presented: PresentedKey[]): string {
  const name = hostNames(policy.host, policy.port)[0]
  const listed = knownKeysFor(policy.knownHosts, policy.host, policy.port).filter(entry => !entry.revoked).length
  const changed = presented.filter(key => key.verdict === 'changed').map(key => key.type)
  return [
    policy.fingerprints.length ? `Expected ${policy.fingerprints.join(' or ')} ('${input}')` : '',
    policy.knownHosts ? `'known-hosts' lists ${listed || 'no'} key(s) for ${name}` : '',
    changed.length ? `it lists a different ${changed.join(', ')} key: the server's key has changed, or something is impersonating it` : ''
  ]
    .filter(Boolean)
    .join('; ')
}
