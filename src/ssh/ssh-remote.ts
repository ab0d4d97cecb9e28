/** The SSH implementation of Remote: one connection for everything (exec, upload, tunnels). */
import { createReadStream } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import type { Client, ClientChannel } from 'ssh2'
import { ConnectionError } from '../errors.js'
import { DEFAULT_COMMAND_TIMEOUT_MS, type ExecResult, type HeldCommand, type Remote, type RemoteCommand, type Tunnel } from './remote.js'
import type { ConnectionSettings } from '../settings/connection.js'
import { openConnection, type Link } from './connect.js'
import { shellJoin } from '../commands/shell.js'

/** The server's connection, and the jump host's when there is one; `link` says when either was lost. */
export class SshRemote implements Remote {
  private constructor(
    private readonly client: Client,
    readonly hostFingerprint: string,
    private readonly link: Link,
    private readonly bastion?: Client
  ) {}

  static async connect(settings: ConnectionSettings): Promise<SshRemote> {
    const { client, fingerprint, link, bastion } = await openConnection(settings)
    return new SshRemote(client, fingerprint, link, bastion)
  }

  exec(command: RemoteCommand): Promise<ExecResult> {
    const timeoutMs = command.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
    return new Promise((resolve, reject) =>
      this.open(command, reject, channel =>
        collect(channel, command.stdin, timeoutMs, result => {
          // No exit code because the connection went away: say so, rather than "the command did not finish".
          if (result.code === null && this.link.lostReason) reject(this.lost(command.label))
          else resolve(result)
        })
      )
    )
  }

  hold(command: RemoteCommand, heartbeatMs = 0): Promise<HeldCommand> {
    const firstLineTimeoutMs = command.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
    return new Promise((resolve, reject) =>
      this.open(command, reject, channel => resolve(holdChannel(channel, firstLineTimeoutMs, heartbeatMs)))
    )
  }

  upload(localPath: string, command: RemoteCommand): Promise<ExecResult> {
    return new Promise((resolve, reject) =>
      this.open(command, reject, channel => {
        const file = createReadStream(localPath)
        file.on('error', readError => {
          channel.close()
          reject(readError)
        })
        file.pipe(channel)
        collect(
          channel,
          undefined,
          command.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
          result => {
            if (result.code === null && this.link.lostReason) reject(this.lost(command.label))
            else resolve(result)
          },
          false
        )
      })
    )
  }

  async openTunnel(remotePort: number, remoteHost = '127.0.0.1'): Promise<Tunnel> {
    if (this.link.lostReason) throw this.lost(`connect to port ${remotePort}`)
    const sockets = new Set<Socket>()
    const channels = new Set<ClientChannel>()
    const server = createServer(socket => {
      sockets.add(socket.once('close', () => sockets.delete(socket)))
      this.forward(socket, remoteHost, remotePort, channels)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const address = server.address()
    const localPort = typeof address === 'object' && address ? address.port : 0
    const check = () => {
      if (this.link.lostReason) throw this.lost(`request to port ${remotePort}`)
    }
    return { localPort, close: () => closeTunnel(server, sockets, channels), check }
  }

  lostReason(): string | null {
    return this.link.lostReason
  }

  async close(): Promise<void> {
    this.client.end()
    this.bastion?.end()
  }

  /**
   * Starts the command and hands its channel to `use` synchronously: a fast command's exit and close can
   * arrive in the same read as the channel, before a promise continuation would attach listeners.
   * Once the connection is lost it rejects at once with a ConnectionError.
   */
  private open(command: RemoteCommand, reject: (error: Error) => void, use: (channel: ClientChannel) => void): void {
    if (this.link.lostReason) return reject(this.lost(command.label))
    try {
      this.client.exec(shellJoin(command.argv), (error, channel) => {
        if (!error) return use(channel)
        // ssh2 fails pending channels before the connections report why they closed: let those events land first.
        setImmediate(() => reject(this.lost(command.label, error.message)))
      })
    } catch (error) {
      reject(this.lost(command.label, (error as Error).message))
    }
  }

  // Runs in the tunnel server's connection handler, where a throw (ssh2's "Not connected") would crash the process.
  private forward(socket: Socket, remoteHost: string, remotePort: number, channels: Set<ClientChannel>): void {
    socket.on('error', () => socket.destroy())
    if (this.link.lostReason) return void socket.destroy()
    const pipe = (error: Error | undefined, channel: ClientChannel) => {
      if (error) return void socket.destroy()
      // sshd keeps its own connection to the app until the channel closes, and a drain would wait for it.
      if (socket.destroyed) return void channel.close()
      channels.add(channel.once('close', () => channels.delete(channel)))
      socket.once('close', () => channel.close())
      channel.once('close', () => socket.destroy())
      channel.on('error', () => socket.destroy())
      socket.pipe(channel).pipe(socket)
    }
    try {
      this.client.forwardOut('127.0.0.1', 0, remoteHost, remotePort, pipe)
    } catch {
      socket.destroy()
    }
  }

  private lost(label: string, detail?: string): ConnectionError {
    // What ended the connection says more than how the step noticed it (ssh2's "No response from server").
    return new ConnectionError(`Lost the SSH connection during '${label}': ${this.link.lostReason ?? detail}`, {
      hint: 'Check the network path to the server and its sshd logs, then run the deploy again; it recovers from whatever state it finds.'
    })
  }
}

/** Gathers a command's output until its channel closes; `timeoutMs` 0 means no timeout here. */
function collect(
  channel: ClientChannel,
  stdin: string | undefined,
  timeoutMs: number,
  resolve: (result: ExecResult) => void,
  endStdin = true
): void {
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  let code: number | null = null
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          stderr.push(Buffer.from(`\n(timed out after ${timeoutMs} ms)`))
          channel.signal('KILL')
          channel.close()
        }, timeoutMs)
      : undefined
  channel.on('data', (chunk: Buffer) => stdout.push(chunk))
  channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  channel.on('exit', (exitCode: number | null) => (code = typeof exitCode === 'number' ? exitCode : null))
  channel.on('close', () => {
    clearTimeout(timer)
    resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') })
  })
  if (endStdin) channel.end(stdin ?? '')
}

/**
 * A command that runs until released. With a heartbeat, a byte goes to its stdin every `heartbeatMs`,
 * so the server side can tell a vanished runner from a slow one (see the deploy lock).
 */
function holdChannel(channel: ClientChannel, firstLineTimeoutMs: number, heartbeatMs: number): Promise<HeldCommand> {
  return new Promise(resolve => {
    let released = false
    let lost = false
    const lostListeners: (() => void)[] = []
    const finished = new Promise<ExecResult>(done => collect(channel, undefined, 0, done, false))
    channel.on('error', () => {})
    const beat = heartbeatMs > 0 ? setInterval(() => channel.write('.'), heartbeatMs) : undefined
    const timer = setTimeout(() => channel.close(), firstLineTimeoutMs)
    const held = (firstLine: string): HeldCommand => ({
      firstLine,
      release: () => {
        released = true
        clearInterval(beat)
        channel.end()
        return finished
      },
      onLost: listener => (lost ? listener() : lostListeners.push(listener))
    })
    let stdout = ''
    channel.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
      if (stdout.includes('\n')) {
        clearTimeout(timer)
        resolve(held(stdout.split('\n')[0]))
      }
    })
    void finished.then(result => {
      clearTimeout(timer)
      clearInterval(beat)
      if (!released) {
        lost = true
        lostListeners.forEach(listener => listener())
      }
      resolve(held(result.stdout))
    })
  })
}

/** How long closing a tunnel waits for sshd to confirm its channels closed (it cannot once the connection is gone). */
const CHANNEL_CLOSE_WAIT_MS = 2_000

/**
 * Cuts the tunnel's connections (idle keep-alive ones would hold server.close() open for seconds) and waits
 * until sshd has closed its side of each channel, so that no connection of the action's stays open on the
 * server: a drain must never wait for the action's own health-check connection.
 */
async function closeTunnel(server: Server, sockets: Set<Socket>, channels: Set<ClientChannel>): Promise<void> {
  const closed = new Promise<void>(resolve => server.close(() => resolve()))
  const confirmed = [...channels].map(
    channel =>
      new Promise<void>(resolve => {
        channel.once('close', () => resolve())
        channel.close()
      })
  )
  sockets.forEach(socket => socket.destroy())
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<void>(resolve => (timer = setTimeout(resolve, CHANNEL_CLOSE_WAIT_MS)))
  await Promise.race([Promise.all([closed, ...confirmed]), bound])
  clearTimeout(timer)
}
