/** Opens the SSH connection: TCP with Nagle off, optional jump host, host key checked before any credential. */
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { NodeSSH } from 'node-ssh'
import type { ConnectionSettings, HopSettings } from './connection-settings.js'
import { ConnectionError } from './errors.js'
import { fingerprintOf, rejectHostKey } from './host-key.js'

export interface OpenedConnection {
  ssh: NodeSSH
  /** Fingerprint the server presented (and that was accepted). */
  fingerprint: string
  /** The jump host's connection, closed together with the server's. */
  bastion?: NodeSSH
}

export async function openConnection(settings: ConnectionSettings): Promise<OpenedConnection> {
  const { proxy } = settings
  if (!proxy) {
    const sock = await openSocket(settings, settings.connectTimeoutMs, 'server')
    return openHop(settings, sock, settings, 'server')
  }
  const bastion = await openHop(proxy, await openSocket(proxy, settings.connectTimeoutMs, 'jump host'), settings, 'jump host')
  try {
    const stream = await bastion.ssh.forwardOut('127.0.0.1', 0, settings.host, settings.port)
    return { ...(await openHop(settings, stream, settings, 'server')), bastion: bastion.ssh }
  } catch (error) {
    bastion.ssh.dispose()
    if (error instanceof ConnectionError) throw error
    throw new ConnectionError(`The jump host ${proxy.host} could not reach ${settings.host}:${settings.port}: ${(error as Error).message}.`, {
      serverState: 'Nothing was changed on the server.',
      hint: "Check 'host' and 'port' as seen from the jump host, and that it allows TCP forwarding (AllowTcpForwarding)."
    })
  }
}

type Role = 'server' | 'jump host'

async function openHop(hop: HopSettings, sock: Duplex, settings: ConnectionSettings, role: Role): Promise<OpenedConnection> {
  const ssh = new NodeSSH()
  let presented = ''
  let refusal: string | null = null
  try {
    await ssh.connect({
      sock,
      username: hop.username,
      privateKey: hop.privateKey,
      passphrase: hop.passphrase,
      password: hop.password,
      readyTimeout: settings.connectTimeoutMs,
      keepaliveInterval: 10_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        presented = fingerprintOf(key)
        refusal = settings.skipHostKeyCheck ? null : rejectHostKey({ fingerprints: hop.hostFingerprints, knownHosts: hop.knownHosts, host: hop.host, port: hop.port }, key)
        return refusal === null
      }
    })
  } catch (error) {
    ssh.dispose()
    throw loginError(hop, role, error as Error, refusal)
  }
  return { ssh, fingerprint: presented }
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
  const inputs = role === 'server' ? { fingerprint: 'host-fingerprint', key: 'private-key', host: 'host' } : { fingerprint: 'proxy-host-fingerprint', key: 'proxy-private-key', host: 'proxy-host' }
  const untouched = { serverState: 'Nothing was changed on the server.' }
  if (hostKeyRefusal) {
    return new ConnectionError(`Refused to log in to the ${where}: ${hostKeyRefusal}.`, {
      ...untouched,
      hint: `Check you are reaching the right machine, then put its fingerprint in '${inputs.fingerprint}' (on it: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)${role === 'server' ? " or its known_hosts line in 'known-hosts'" : ''}.`
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
    return new ConnectionError(`Could not read '${inputs.key}': ${error.message}.`, { ...untouched, hint: `Check '${inputs.key}' and 'passphrase'.` })
  }
  return new ConnectionError(`Could not connect to the ${where}: ${error.message}.`, {
    ...untouched,
    hint: `Check '${inputs.host}' and its port, that sshd runs there, and that the runner can reach it (firewall).`
  })
}
