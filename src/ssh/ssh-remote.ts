/** The SSH implementation of Remote: one connection for everything (exec, upload, tunnels). */
import { createReadStream } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import type { Readable } from 'node:stream'
import type { Client, ClientChannel } from 'ssh2'
import { ConnectionError, lastLines } from '../errors.js'
import { DEFAULT_COMMAND_TIMEOUT_MS, type ExecResult, type HeldCommand, type Remote, type RemoteCommand, type Tunnel } from './remote.js'
import type { OutputListener } from './remote.js'
import type { ConnectionSettings } from '../settings/connection.js'
import { openConnection, type Link } from './connect.js'
import { ChannelFrame, collect, holdChannel, type Collected } from './channel-output.js'
import { greetingWarning, loginShellLine, newMarker } from './login-shell.js'

export interface RemoteOptions {
  /** Called once per connection with a warning when the login shell prints something before the commands. */
  onGreeting?: (warning: string) => void
}

/** The server's connection, and the jump host's when there is one; `link` says when either was lost. */
export class SshRemote implements Remote {
  private readonly marker = newMarker()
  private greeted = false

  private constructor(
    private readonly client: Client,
    readonly hostFingerprint: string,
    private readonly link: Link,
    private readonly where: string,
    private readonly options: RemoteOptions,
    private readonly bastion?: Client
  ) {}

  static async connect(settings: ConnectionSettings, options: RemoteOptions = {}): Promise<SshRemote> {
    const { client, fingerprint, link, bastion } = await openConnection(settings)
    return new SshRemote(client, fingerprint, link, `${settings.username}@${settings.host}`, options, bastion)
  }

  exec(command: RemoteCommand, onOutput?: OutputListener): Promise<ExecResult> {
    const timeoutMs = command.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
    return new Promise((resolve, reject) =>
      this.open(command, reject, (channel, frame) =>
        collect(channel, frame, { stdin: command.stdin, timeoutMs, onOutput }, result =>
          this.settle(command.label, result, resolve, reject)
        )
      )
    )
  }

  hold(command: RemoteCommand, heartbeatMs = 0): Promise<HeldCommand> {
    const firstLineTimeoutMs = command.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
    return new Promise((resolve, reject) =>
      this.open(command, reject, (channel, frame) =>
        holdChannel(channel, frame, { firstLineTimeoutMs, heartbeatMs }, result => this.notStarted(command.label, result)).then(
          resolve,
          reject
        )
      )
    )
  }

  upload(localPath: string, command: RemoteCommand, onSent?: (bytes: number) => void): Promise<ExecResult> {
    return this.send(() => createReadStream(localPath), command, onSent)
  }

  uploadStream(source: Readable, command: RemoteCommand): Promise<ExecResult> {
    return this.send(() => source, command)
  }

  private send(open: () => Readable, command: RemoteCommand, onSent?: (bytes: number) => void): Promise<ExecResult> {
    const timeoutMs = command.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
    return new Promise((resolve, reject) =>
      this.open(command, reject, (channel, frame) => {
        const file = open()
        file.on('error', readError => {
          channel.close()
          reject(readError)
        })
        let sent = 0
        if (onSent) file.on('data', chunk => onSent((sent += chunk.length)))
        file.pipe(channel)
        collect(channel, frame, { timeoutMs, endStdin: false }, result => this.settle(command.label, result, resolve, reject))
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
  private open(command: RemoteCommand, reject: (error: Error) => void, use: (channel: ClientChannel, frame: ChannelFrame) => void): void {
    if (this.link.lostReason) return reject(this.lost(command.label))
    try {
      this.client.exec(loginShellLine(command.argv, this.marker), (error, channel) => {
        if (!error) return use(channel, new ChannelFrame(this.marker, text => this.greet(text)))
        // ssh2 fails pending channels before the connections report why they closed: let those events land first.
        setImmediate(() => reject(this.lost(command.label, error.message)))
      })
    } catch (error) {
      reject(this.lost(command.label, (error as Error).message))
    }
  }

  private settle(label: string, result: Collected, resolve: (result: ExecResult) => void, reject: (error: Error) => void): void {
    // No exit code because the connection went away: say so, rather than "the command did not finish".
    if (!result.started || (result.code === null && this.link.lostReason)) return reject(this.notStarted(label, result))
    resolve({ code: result.code, stdout: result.stdout, stderr: result.stderr })
  }

  /** The login shell ended before the command began (or the connection went); its output is all there is to show. */
  private notStarted(label: string, result: Collected): Error {
    if (this.link.lostReason && (result.code === null || !result.started)) return this.lost(label)
    const output = `${result.stderr}\n${result.stdout}`.trim()
    const printed = output ? `: ${lastLines(output, 5)}` : '.'
    return new ConnectionError(
      `The login shell of ${this.where} ended before running '${label}' (exit code ${result.code ?? 'none'})${printed}`,
      {
        hint:
          "The login user's shell must run commands: check that it is not nologin, that its startup files (~/.bashrc, ~/.zshenv, " +
          "~/.config/fish/config.fish) do not 'exit' or 'exec', that sshd has no ForceCommand for it, and that 'sh' is on its PATH."
      }
    )
  }

  private greet(text: string): void {
    if (this.greeted || !text.trim()) return
    this.greeted = true
    this.options.onGreeting?.(greetingWarning(this.where, text))
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

/** How long closing a tunnel waits for sshd to confirm its channels closed (it cannot once the connection is gone). */
const CHANNEL_CLOSE_WAIT_MS = 2_000

/**
 * Cuts the tunnel's connections (idle keep-alive ones would hold server.close() open for seconds) and waits
 * until sshd has closed its side of each channel, so that no connection of the action's stays open on the
 * server: a drain must never wait for the action's own health-check connection.
 */
async function closeTunnel(server: Server, sockets: Set<Socket>, channels: Set<ClientChannel>): Promise<{ unconfirmed: number }> {
  const closed = new Promise<void>(resolve => server.close(() => resolve()))
  const confirmed = [...channels].map(
    channel =>
      new Promise<void>(resolve => {
        channel.once('close', () => resolve())
        // ssh2 emits 'close' only after the channel's readable side ended; once its socket is gone the pipe
        // no longer reads it, and without this the wait always ran into its bound.
        channel.unpipe()
        channel.resume()
        channel.close()
      })
  )
  sockets.forEach(socket => socket.destroy())
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<void>(resolve => (timer = setTimeout(resolve, CHANNEL_CLOSE_WAIT_MS)))
  await Promise.race([Promise.all([closed, ...confirmed]), bound])
  clearTimeout(timer)
  return { unconfirmed: channels.size }
}
