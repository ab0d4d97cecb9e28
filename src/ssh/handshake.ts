/** One SSH handshake and login over a given stream, offering the given host-key algorithms. */
import type { Duplex } from 'node:stream'
import { NodeSSH } from 'node-ssh'
import type { AuthenticationType, Client, ServerHostKeyAlgorithm } from 'ssh2'
import type { ConnectionSettings, HopSettings } from '../settings/connection.js'
import { presentedKey, type HostKeyPolicy, type PresentedKey } from './host-key.js'

export type Role = 'server' | 'jump host'

/** Why the connection was lost; the server's and the jump host's clients share it, as losing either loses both. */
export interface Link {
  lostReason: string | null
}

export type Handshake = { client: Client; key: PresentedKey } | { client?: undefined; key?: PresentedKey; error: Error; offered?: string[] }

export interface HandshakeOptions {
  hop: HopSettings
  role: Role
  settings: ConnectionSettings
  policy: HostKeyPolicy
  link: Link
}

/**
 * Resolves with the logged-in client, or with what failed and the key the server presented. ssh2 sends
 * credentials only after the host verifier accepted the key, so a refused key never sees one.
 */
export async function handshake(sock: Duplex, algorithms: ServerHostKeyAlgorithm[], options: HandshakeOptions): Promise<Handshake> {
  const { hop, settings, policy } = options
  const ssh = new NodeSSH()
  let key: PresentedKey | undefined
  let offered: string[] | undefined
  try {
    await ssh.connect({
      sock,
      username: hop.username,
      privateKey: hop.privateKey,
      passphrase: hop.passphrase,
      password: hop.password,
      // Without a list ssh2 first asks with method 'none', a round trip that only says which methods exist.
      authHandler: authMethods(hop),
      readyTimeout: settings.connectTimeoutMs,
      keepaliveInterval: 10_000,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: algorithms },
      // ssh2 tells the server's host-key algorithms only in its debug output; they say which keys are left to try.
      debug: (message: string) => (offered ??= offeredAlgorithms(message)),
      hostVerifier: (blob: Buffer) => {
        key = presentedKey(policy, blob)
        return settings.skipHostKeyCheck || key.verdict === 'trusted'
      }
    })
  } catch (error) {
    ssh.dispose()
    return { key, error: error as Error, offered }
  }
  const client = ssh.connection as Client
  watch(client, options.role, options.link)
  return { client, key: key as PresentedKey }
}

function authMethods(hop: HopSettings): AuthenticationType[] {
  const methods: AuthenticationType[] = []
  if (hop.privateKey) methods.push('publickey')
  if (hop.password) methods.push('password')
  return methods
}

function offeredAlgorithms(debugMessage: string): string[] | undefined {
  return /^Handshake: \(remote\) Host key format: (.+)$/.exec(debugMessage)?.[1].split(',')
}

// node-ssh drops its own error listener once connected, and an 'error' event with no listener would crash the
// process: every connected client, the server's and the jump host's, gets one at once.
function watch(client: Client, role: Role, link: Link): void {
  client.on('error', error => (link.lostReason ??= `the ${role}'s connection failed: ${error.message}`))
  client.on('close', () => (link.lostReason ??= `the ${role}'s SSH connection was closed`))
}
