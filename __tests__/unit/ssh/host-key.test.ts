import { createHmac } from 'node:crypto'
import {
  fingerprintOf,
  judgeHostKey,
  keyTypeOf,
  preferredAlgorithms,
  presentedKey,
  refusalOf,
  type HostKeyPolicy
} from '../../../src/ssh/host-key.js'
import { globMatches, hostFieldMatches, knownKeysFor } from '../../../src/ssh/known-hosts.js'

const KEY_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'
const key = Buffer.from(KEY_B64, 'base64')
const other = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIBBBBnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'base64')
const ECDSA_B64 =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPq1YRsqc9Bu2Ylc2rFo1e0ouvP7OTQsD0QVpg7cqvu7zd3ZlEdOl5/IQvdNZ7UqcVn3vvKgI9a+A5qamNOGoYk='
const ecdsa = Buffer.from(ECDSA_B64, 'base64')

function hashedName(name: string): string {
  const salt = Buffer.from('0123456789abcdef0123')
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`
}

/** Null when the key is trusted, else why not. */
function rejectHostKey(policy: HostKeyPolicy, keyBlob: Buffer): string | null {
  const key = presentedKey(policy, keyBlob)
  return key.verdict === 'trusted' ? null : refusalOf(policy, [key])
}

const listed = (hosts: string, host: string, port = 22) => knownKeysFor(`${hosts} ssh-ed25519 ${KEY_B64}`, host, port).length

describe('host keys', () => {
  it('computes fingerprints the way ssh-keygen -lf prints them', () => {
    expect(fingerprintOf(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })

  it('reads the key type from the key blob', () => {
    expect(keyTypeOf(key)).toBe('ssh-ed25519')
    expect(keyTypeOf(ecdsa)).toBe('ecdsa-sha2-nistp256')
  })

  it('accepts a matching fingerprint and refuses any other key', () => {
    const policy = { fingerprints: [fingerprintOf(key)], knownHosts: '', host: 'h', port: 22 }
    expect(rejectHostKey(policy, key)).toBeNull()
    expect(rejectHostKey(policy, other)).toMatch(/matches neither/)
  })

  it('refuses when nothing to verify against, and names the presented fingerprint', () => {
    expect(rejectHostKey({ fingerprints: [], knownHosts: '', host: 'h', port: 22 }, key)).toContain(fingerprintOf(key))
  })
})

describe('known_hosts host patterns, as OpenSSH matches them', () => {
  it('globs with * and ?', () => {
    expect(globMatches('*', '[10.0.0.1]:2222')).toBe(true)
    expect(globMatches('*.example.com', 'db.example.com')).toBe(true)
    expect(globMatches('*.example.com', 'example.com')).toBe(false)
    expect(globMatches('web?', 'web1')).toBe(true)
    expect(globMatches('web?', 'web10')).toBe(false)
    expect(globMatches('a*b*c', 'aXbYbZc')).toBe(true)
    expect(globMatches('a*b*c', 'aXbYbZ')).toBe(false)
    expect(globMatches('', '')).toBe(true)
  })

  it('reads comma lists, case-insensitively', () => {
    expect(listed('example.com,10.0.0.1', 'example.com')).toBe(1)
    expect(listed('EXAMPLE.com', 'example.COM')).toBe(1)
    expect(listed('other.com,10.0.0.1', 'example.com')).toBe(0)
    expect(listed('*.Example.COM', 'web.example.com')).toBe(1)
  })

  it('excludes a host a !pattern matches, whatever else matches', () => {
    expect(listed('*.example.com,!db.example.com', 'db.example.com')).toBe(0)
    expect(listed('!db.example.com,*', 'web.example.com')).toBe(1)
    expect(listed('!*', 'web.example.com')).toBe(0)
    expect(hostFieldMatches('*,!web', ['web', '[web]:22'])).toBe(false)
  })

  it('uses [host]:port for other ports than 22', () => {
    expect(listed('[srv]:2222', 'srv', 2222)).toBe(1)
    expect(listed('srv', 'srv', 2222)).toBe(0)
    expect(listed('[srv]:2222', 'srv', 22)).toBe(0)
    expect(listed('[s?v]:22*', 'srv', 2222)).toBe(1)
    expect(listed('[srv]:22', 'srv', 22)).toBe(1)
  })

  it('matches hashed |1| names, lower-cased as OpenSSH hashes them', () => {
    expect(listed(hashedName('[srv]:2222'), 'SRV', 2222)).toBe(1)
    expect(listed(hashedName('srv'), 'srv', 22)).toBe(1)
    expect(listed(hashedName('srv'), 'other', 22)).toBe(0)
  })

  it('skips comments, @cert-authority and unknown markers', () => {
    const text = `# srv ssh-ed25519 ${KEY_B64}\n@cert-authority * ssh-ed25519 ${KEY_B64}\n@bogus * ssh-ed25519 ${KEY_B64}`
    expect(knownKeysFor(text, 'srv', 22)).toEqual([])
  })
})

describe('revoked keys', () => {
  const revoked = `@revoked * ssh-ed25519 ${KEY_B64}`

  it('refuses a key revoked with a wildcard, even when pinned or also listed', () => {
    const pinned = {
      fingerprints: [fingerprintOf(key)],
      knownHosts: `${revoked}\n[srv]:2222 ssh-ed25519 ${KEY_B64}`,
      host: 'srv',
      port: 2222
    }
    expect(judgeHostKey(pinned, key)).toBe('revoked')
    expect(rejectHostKey(pinned, key)).toMatch(/marks @revoked; a revoked key is refused even when 'host-fingerprint' pins it/)
  })

  it('applies only to the hosts its pattern names', () => {
    const policy = {
      fingerprints: [fingerprintOf(key)],
      knownHosts: `@revoked old.example.com ssh-ed25519 ${KEY_B64}`,
      host: 'new.example.com',
      port: 22
    }
    expect(judgeHostKey(policy, key)).toBe('trusted')
  })
})

describe('host-key algorithm order', () => {
  const policy = (knownHosts: string) => ({ fingerprints: [], knownHosts, host: 'srv', port: 22 })

  it("offers ssh2's order when known-hosts lists nothing for the host", () => {
    expect(preferredAlgorithms(policy(''))[0]).toBe('ssh-ed25519')
  })

  it('offers the key types known-hosts lists for the host first', () => {
    expect(preferredAlgorithms(policy(`srv ecdsa-sha2-nistp256 ${ECDSA_B64}`)).slice(0, 2)).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519'])
    expect(preferredAlgorithms(policy(`other ecdsa-sha2-nistp256 ${ECDSA_B64}`))[0]).toBe('ssh-ed25519')
    expect(preferredAlgorithms(policy(`@revoked * ecdsa-sha2-nistp256 ${ECDSA_B64}`))[0]).toBe('ssh-ed25519')
  })
})

describe('refusal messages', () => {
  it('name every key presented and what was expected', () => {
    const policy = { fingerprints: ['SHA256:pinned'], knownHosts: `srv ssh-ed25519 ${KEY_B64}`, host: 'srv', port: 22 }
    const message = refusalOf(policy, [presentedKey(policy, other), presentedKey(policy, ecdsa)])
    expect(message).toBe(
      `the server presented host key ${fingerprintOf(other)}, which matches neither 'host-fingerprint' nor 'known-hosts'; ` +
        `nor do its other host keys: ${fingerprintOf(ecdsa)} (ecdsa-sha2-nistp256). Expected SHA256:pinned ('host-fingerprint'); ` +
        "'known-hosts' lists 1 key(s) for srv; it lists a different ssh-ed25519 key: the server's key has changed, or something is " +
        'impersonating it'
    )
  })
})
