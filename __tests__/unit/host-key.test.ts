import { createHmac } from 'node:crypto'
import { fingerprintOf, knownKeysFor, rejectHostKey } from '../../src/host-key.js'

const KEY_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'
const key = Buffer.from(KEY_B64, 'base64')
const other = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIBBBBnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'base64')

describe('host keys', () => {
  it('computes fingerprints the way ssh-keygen -lf prints them', () => {
    expect(fingerprintOf(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })

  it('accepts a matching fingerprint and refuses any other key', () => {
    const policy = { fingerprints: [fingerprintOf(key)], knownHosts: '', host: 'h', port: 22 }
    expect(rejectHostKey(policy, key)).toBeNull()
    expect(rejectHostKey(policy, other)).toMatch(/matches neither/)
  })

  it('refuses when nothing to verify against, and names the presented fingerprint', () => {
    expect(rejectHostKey({ fingerprints: [], knownHosts: '', host: 'h', port: 22 }, key)).toContain(fingerprintOf(key))
  })

  it('reads plain, bracketed-port, hashed and revoked known_hosts entries', () => {
    const salt = Buffer.from('0123456789abcdef0123')
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[srv]:2222').digest('base64')}`
    expect(knownKeysFor(`example.com,10.0.0.1 ssh-ed25519 ${KEY_B64}`, 'example.com', 22).keys).toHaveLength(1)
    expect(knownKeysFor(`[srv]:2222 ssh-ed25519 ${KEY_B64}`, 'srv', 2222).keys).toHaveLength(1)
    expect(knownKeysFor(`srv ssh-ed25519 ${KEY_B64}`, 'srv', 2222).keys).toHaveLength(0)
    expect(knownKeysFor(`${hashed} ssh-ed25519 ${KEY_B64}`, 'srv', 2222).keys).toHaveLength(1)
    const revoked = `@revoked srv ssh-ed25519 ${KEY_B64}\nsrv ssh-ed25519 ${KEY_B64}`
    expect(rejectHostKey({ fingerprints: [], knownHosts: revoked, host: 'srv', port: 22 }, key)).toMatch(/revoked/)
  })
})
