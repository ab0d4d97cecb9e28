/** A recording fake of the project's own Remote interface, for unit tests of the deploy sequence. */
import type { Readable } from 'node:stream'
import { PART_MARKER } from '../../src/commands/sequence.js'
import type { ExecResult, HeldCommand, Remote, RemoteCommand, Tunnel } from '../../src/ssh/remote.js'

type Responder = ExecResult | ((command: RemoteCommand) => ExecResult)

export class FakeRemote implements Remote {
  readonly commands: RemoteCommand[] = []
  /** What went over the connection: one entry per remote command, a sequence as itself rather than its parts. */
  readonly sent: RemoteCommand[] = []
  readonly uploads: { localPath: string; command: RemoteCommand }[] = []
  /** What uploadStream sent, whole. */
  readonly streams: { data: Buffer; command: RemoteCommand }[] = []
  readonly tunnels: number[] = []
  /** The server-side host of each tunnel, beside its port in `tunnels`. */
  readonly tunnelHosts: string[] = []
  private readonly responders = new Map<string, Responder>()

  constructor(private readonly tunnelTarget: (remotePort: number) => number = () => 1) {}

  /** Answers every command whose label is `label` (default: exit 0, no output). */
  on(label: string, responder: Responder): this {
    this.responders.set(label, responder)
    return this
  }

  labels(): string[] {
    return this.commands.map(command => command.label)
  }

  /** A sequence (commands/sequence.ts) is recorded and answered part by part, as its script runs them. */
  async exec(command: RemoteCommand): Promise<ExecResult> {
    this.sent.push(command)
    if (command.parts) return this.sequence(command.parts)
    this.commands.push(command)
    const responder = this.responders.get(command.label) ?? ok('')
    return typeof responder === 'function' ? responder(command) : responder
  }

  private async sequence(parts: RemoteCommand[]): Promise<ExecResult> {
    let stdout = ''
    for (const part of parts) {
      this.commands.push(part)
      const responder = this.responders.get(part.label) ?? ok('')
      const result = typeof responder === 'function' ? responder(part) : responder
      stdout += `${PART_MARKER}${part.label}\n${result.stdout}${result.stderr}`
      if (result.code !== 0) return { code: result.code, stdout, stderr: '' }
    }
    return { code: 0, stdout, stderr: '' }
  }

  async hold(command: RemoteCommand): Promise<HeldCommand> {
    const result = await this.exec(command)
    return { firstLine: result.stdout.split('\n')[0], release: async () => result, onLost: () => {} }
  }

  async upload(localPath: string, command: RemoteCommand): Promise<ExecResult> {
    this.uploads.push({ localPath, command })
    return this.exec(command)
  }

  async uploadStream(source: Readable, command: RemoteCommand): Promise<ExecResult> {
    const pieces: Buffer[] = []
    for await (const piece of source) pieces.push(Buffer.from(piece as Uint8Array))
    this.streams.push({ data: Buffer.concat(pieces), command })
    return this.exec(command)
  }

  async openTunnel(remotePort: number, remoteHost = '127.0.0.1'): Promise<Tunnel> {
    this.tunnels.push(remotePort)
    this.tunnelHosts.push(remoteHost)
    return { localPort: this.tunnelTarget(remotePort), close: async () => ({ unconfirmed: 0 }), check: () => {} }
  }

  lostReason(): string | null {
    return null
  }

  async close(): Promise<void> {}
}

export function ok(stdout: string): ExecResult {
  return { code: 0, stdout, stderr: '' }
}

export function fail(code: number, stderr: string): ExecResult {
  return { code, stdout: '', stderr }
}
