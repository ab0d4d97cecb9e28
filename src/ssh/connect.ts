/** Opens the SSH connection: TCP with Nagle off, optional jump host, host key checked before any credential. */
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Client } from 'ssh2'
import type { ConnectionSettings, HopSettings } from '../settings/connection.js'
import { ConnectionError } from '../errors.js'
import {
  HOST_KEY_ALGORITHMS,
  keyTypeOfAlgorithm,
  preferredAlgorithms,
  refusalOf,
  type HostKeyPolicy,
  type PresentedKey
} from './host-key.js'
import { handshake, type HandshakeOptions, type Link, type Role } from './handshake.js'

export type { Link } from './handshake.js'

export interface OpenedConnection {
  client: Client
  /** Fingerprint the server presented (and that was accepted). */
  fingerprint: string
  /** The jump host's connection, closed together with the server's. */
  bastion?: Client
  link: Link
}

export async function openConnection(settings: ConnectionSettings): Promise<OpenedConnection> {
  const link: Link = { lostReason: null }
  const { proxy } = settings
  const hop = (target: HopSettings, role: Role, open: () => Promise<Duplex>) =>
    openHop(open, { hop: target, role, settings, link, policy: policyOf(target, role) })
  if (!proxy) {
    const server = await hop(settings, 'server', () => openSocket(settings, settings.connectTimeoutMs, 'server'))
    return { ...server, link }
  }
  const bastion = await hop(proxy, 'jump host', () => openSocket(proxy, settings.connectTimeoutMs, 'jump host'))
  try {
    const server = await hop(settings, 'server', () => forwardThrough(bastion.client, settings, proxy))
    return { ...server, bastion: bastion.client, link }
  } catch (error) {
    bastion.client.end()
    throw error
  }
}

function policyOf(hop: HopSettings, role: Role): HostKeyPolicy {
  const fingerprintInput = role === 'server' ? 'host-fingerprint' : 'proxy-host-fingerprint'
  return { fingerprints: hop.hostFingerprints, knownHosts: hop.knownHosts, host: hop.host, port: hop.port, fingerprintInput }
}

/**
 * First offers the key types known-hosts lists for the host (ssh2's order otherwise). A `host-fingerprint`
 * may pin any of the server's keys, so when the first key is not trusted the others are asked for.
 */
async function openHop(open: () => Promise<Duplex>, options: HandshakeOptions): Promise<{ client: Client; fingerprint: string }> {
  const { hop, role, policy } = options
  const first = await handshake(await open(), preferredAlgorithms(policy), options)
  if (first.client) return { client: first.client, fingerprint: first.key.fingerprint }
  if (!first.key || first.key.verdict === 'trusted' || options.settings.skipHostKeyCheck) throw loginError(hop, role, first.error, null)
  const presented = [first.key]
  const retriable = first.key.verdict === 'unknown' || first.key.verdict === 'changed'
  if (retriable && policy.fingerprints.length > 0) {
    const found = await tryOtherKeys(open, options, presented, first.offered)
    if (found) return found
  }
  throw loginError(hop, role, first.error, refusalOf(policy, presented))
}

/**
 * Reconnects offering one host-key algorithm at a time, for each key type not yet seen that the server
 * offers. Each refused attempt ends at the host-key check, before any credential is sent.
 */
async function tryOtherKeys(
  open: () => Promise<Duplex>,
  options: HandshakeOptions,
  presented: PresentedKey[],
  offered?: string[]
): Promise<{ client: Client; fingerprint: string } | undefined> {
  for (const algorithm of HOST_KEY_ALGORITHMS.filter(name => !offered || offered.includes(name))) {
    if (presented.some(key => key.type === keyTypeOfAlgorithm(algorithm))) continue
    const next = await handshake(await open(), [algorithm], options)
    if (next.client) return { client: next.client, fingerprint: next.key.fingerprint }
    if (next.key?.verdict === 'trusted') throw loginError(options.hop, options.role, next.error, null)
    if (next.key) presented.push(next.key)
    // A revoked key ends the search; anything other than "not offered" too, and the refusal is reported.
    if (next.key?.verdict === 'revoked' || (!next.key && !/no matching host key format/i.test(next.error.message))) return undefined
  }
  return undefined
}

function forwardThrough(bastion: Client, settings: ConnectionSettings, proxy: HopSettings): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) =>
      reject(
        new ConnectionError(`The jump host ${proxy.host} could not reach ${settings.host}:${settings.port}: ${error.message}.`, {
          serverState: 'Nothing was changed on the server.',
          hint: "Check 'host' and 'port' as seen from the jump host, and that it allows TCP forwarding (AllowTcpForwarding)."
        })
      )
    try {
      bastion.forwardOut('127.0.0.1', 0, settings.host, settings.port, (error, stream) => (error ? fail(error) : resolve(stream)))
    } catch (error) {
      fail(error as Error)
    }
  })
}

// Nagle's algorithm with delayed ACKs would add ~40 ms to every SSH round trip, so it is off from the start.
function openSocket(hop: HopSettings, timeoutMs: number, role: Role): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hop.host, port: hop.port, noDelay: true, timeout: timeoutMs })
    socket.once('connect', () => {
      socket.setTimeout(0)
      resolve(socket)
    })
    socket.once('timeout', () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    socket.once('error', error => reject(loginError(hop, role, error, null)))
  })
}

function loginError(hop: HopSettings, role: Role, error: Error, hostKeyRefusal: string | null): ConnectionError {
  const where = `${role} ${hop.username}@${hop.host}:${hop.port}`
  const inputs =
    role === 'server'
      ? { fingerprint: 'host-fingerprint', key: 'private-key', host: 'host' }
      : { fingerprint: 'proxy-host-fingerprint', key: 'proxy-private-key', host: 'proxy-host' }
  const untouched = { serverState: 'Nothing was changed on the server.' }
  if (hostKeyRefusal) {
    return new ConnectionError(`Refused to log in to the ${where}: ${hostKeyRefusal}.`, {
      serverState: 'Nothing was changed on the server; no credential was sent to it.',
      hint: /@revoked/.test(hostKeyRefusal)
        ? 'Treat the machine as compromised until its administrator has replaced the revoked host key; then pin the new key. Do not ' +
          'remove the @revoked line to get past this.'
        : 'Check you are reaching the right machine, then put the fingerprint of any one of its host keys in ' +
          `'${inputs.fingerprint}' (on it: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)` +
          `${role === 'server' ? " or its known_hosts line in 'known-hosts'" : ''}.`
    })
  }
  if (/authentication methods failed/i.test(error.message)) {
    const methods = [hop.privateKey && 'publickey', hop.password && 'password'].filter(Boolean).join(' and ')
    return new ConnectionError(`The ${where} refused the login (tried ${methods}).`, {
      ...untouched,
      hint: `Check the user name and that the key's public half is in ~${hop.username}/.ssh/authorized_keys there.`
    })
  }
  if (/passphrase|decrypt|parse privateKey/i.test(error.message)) {
    return new ConnectionError(`Could not read '${inputs.key}': ${error.message}.`, {
      ...untouched,
      hint: `Check '${inputs.key}' and 'passphrase'.`
    })
  }
  return new ConnectionError(`Could not connect to the ${where}: ${error.message}.`, {
    ...untouched,
    hint: `Check '${inputs.host}' and its port, that sshd runs there, and that the runner can reach it (firewall).`
  })
}
