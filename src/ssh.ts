/** The SSH implementation of Remote: one connection for everything (exec, upload, tunnels). */
import { connect, createServer, type Server, type Socket } from 'node:net'
import { NodeSSH } from 'node-ssh'
import type { Client, ClientChannel } from 'ssh2'
import { ConnectionError } from './errors.js'
import { fingerprintOf, rejectHostKey } from './host-key.js'
import { DEFAULT_COMMAND_TIMEOUT_MS, type ExecResult, type Remote, type RemoteCommand, type Tunnel } from './remote.js'
import type { ConnectionSettings } from './settings.js'
import { shellJoin } from './shell.js'

export class SshRemote implements Remote {
  private lostReason: string | null = null

  private constructor(
    private readonly ssh: NodeSSH,
    private readonly client: Client,
    readonly hostFingerprint: string
  ) {
    // node-ssh keeps no error listener once connected; without one a dropped connection would crash the process.
    client.on('error', error => (this.lostReason = error.message))
    client.on('close', () => (this.lostReason ??= 'the SSH connection was closed'))
  }

  static async connect(settings: ConnectionSettings): Promise<SshRemote> {
    const ssh = new NodeSSH()
    let presented = ''
    let refusal: string | null = null
    try {
      await ssh.connect({
        sock: await openSocket(settings.host, settings.port, settings.connectTimeoutMs),
        username: settings.username,
        privateKey: settings.privateKey,
        passphrase: settings.passphrase,
        password: settings.password,
        readyTimeout: settings.connectTimeoutMs,
        keepaliveInterval: 10_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          presented = fingerprintOf(key)
          refusal = rejectHostKey({ fingerprints: settings.hostFingerprints, knownHosts: settings.knownHosts, host: settings.host, port: settings.port }, key)
          return refusal === null
        }
      })
    } catch (error) {
      ssh.dispose()
      throw connectionError(settings, error as Error, refusal)
    }
    return new SshRemote(ssh, ssh.connection as Client, presented)
  }

  exec(command: RemoteCommand): Promise<ExecResult> {
    const line = shellJoin(command.argv)
    const timeoutMs = command.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
    return new Promise((resolve, reject) => {
      if (this.lostReason) return reject(this.lost(command.label))
      this.client.exec(line, (error, channel) => {
        if (error) return reject(this.lost(command.label, error.message))
        collect(channel, command.stdin, timeoutMs, resolve)
      })
    })
  }

  async upload(localPath: string, remotePath: string): Promise<void> {
    try {
      await this.ssh.putFile(localPath, remotePath, null, { concurrency: 64, chunkSize: 64 * 1024 })
    } catch (error) {
      throw this.lostReason ? this.lost('upload') : error
    }
  }

  async openTunnel(remotePort: number): Promise<Tunnel> {
    const sockets = new Set<Socket>()
    const server = createServer(socket => {
      sockets.add(socket.once('close', () => sockets.delete(socket)))
      this.forward(socket, remotePort)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const address = server.address()
    const localPort = typeof address === 'object' && address ? address.port : 0
    // Idle keep-alive connections would hold server.close() open for seconds, so they are cut.
    return { localPort, close: () => closeServer(server, sockets) }
  }

  async close(): Promise<void> {
    this.ssh.dispose()
  }

  private forward(socket: Socket, remotePort: number): void {
    socket.on('error', () => socket.destroy())
    this.client.forwardOut('127.0.0.1', 0, '127.0.0.1', remotePort, (error, channel) => {
      if (error) {
        socket.destroy()
        return
      }
      channel.on('error', () => socket.destroy())
      socket.pipe(channel).pipe(socket)
    })
  }

  private lost(label: string, detail?: string): ConnectionError {
    return new ConnectionError(`Lost the SSH connection during '${label}': ${detail ?? this.lostReason}`, {
      hint: 'Check the network path to the server and its sshd logs, then run the deploy again; it recovers from whatever state it finds.'
    })
  }
}

// Nagle's algorithm with delayed ACKs would add ~40 ms to every SSH round trip, so it is off from the start.
function openSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true, timeout: timeoutMs })
    socket.once('connect', () => {
      socket.setTimeout(0)
      resolve(socket)
    })
    socket.once('timeout', () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    socket.once('error', reject)
  })
}

function collect(channel: ClientChannel, stdin: string | undefined, timeoutMs: number, resolve: (result: ExecResult) => void): void {
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  let code: number | null = null
  const timer = setTimeout(() => {
    stderr.push(Buffer.from(`\n(timed out after ${timeoutMs} ms)`))
    channel.signal('KILL')
    channel.close()
  }, timeoutMs)
  channel.on('data', (chunk: Buffer) => stdout.push(chunk))
  channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  channel.on('exit', (exitCode: number | null) => (code = typeof exitCode === 'number' ? exitCode : null))
  channel.on('close', () => {
    clearTimeout(timer)
    resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') })
  })
  channel.end(stdin ?? '')
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  const closed = new Promise<void>(resolve => server.close(() => resolve()))
  sockets.forEach(socket => socket.destroy())
  return closed
}

function connectionError(settings: ConnectionSettings, error: Error, hostKeyRefusal: string | null): ConnectionError {
  const where = `${settings.username}@${settings.host}:${settings.port}`
  const untouched = { serverState: 'Nothing was changed on the server.' }
  if (hostKeyRefusal) {
    return new ConnectionError(`Refused to log in to ${where}: ${hostKeyRefusal}.`, {
      ...untouched,
      hint: "Check you are reaching the right server, then put its fingerprint in 'host-fingerprint' (on the server: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) or its known_hosts line in 'known-hosts'."
    })
  }
  if (/authentication methods failed/i.test(error.message)) {
    const methods = [settings.privateKey && 'publickey', settings.password && 'password'].filter(Boolean).join(' and ')
    return new ConnectionError(`The server ${where} refused the login (tried ${methods}).`, {
      ...untouched,
      hint: `Check 'username' and that the key's public half is in ~${settings.username}/.ssh/authorized_keys on the server.`
    })
  }
  if (/passphrase|decrypt|parse privateKey/i.test(error.message)) {
    return new ConnectionError(`Could not read 'private-key': ${error.message}.`, { ...untouched, hint: "Check 'private-key' and 'passphrase'." })
  }
  return new ConnectionError(`Could not connect to ${where}: ${error.message}.`, {
    ...untouched,
    hint: "Check 'host' and 'port', that sshd runs there, and that the runner can reach it (firewall)."
  })
}
