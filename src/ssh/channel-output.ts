/** A command's channel: its output gathered with the login shell's greeting cut off, and the held command (the lock). */
import type { ClientChannel } from 'ssh2'
import type { ExecResult, HeldCommand, OutputListener } from './remote.js'
import { Unframer } from './login-shell.js'

/** An ExecResult, and whether the command started at all (its marker came). */
export interface Collected extends ExecResult {
  started: boolean
}

/** Both output streams of one channel, each split at the marker. */
export class ChannelFrame {
  readonly out: Unframer
  readonly err: Unframer
  private reported = false

  /** `onGreeting` gets what the login shell printed before the command, on both streams; once, and only if it started. */
  constructor(
    marker: string,
    private readonly onGreeting: (text: string) => void
  ) {
    this.out = new Unframer(marker)
    this.err = new Unframer(marker)
  }

  stdout(chunk: Buffer): Buffer {
    return this.reportAfter(this.out.push(chunk))
  }

  stderr(chunk: Buffer): Buffer {
    return this.reportAfter(this.err.push(chunk))
  }

  /** At the end: the greeting (if not yet reported), and each stream's whole text when its marker never came. */
  finish(stdout: Buffer, stderr: Buffer): { started: boolean; stdout: Buffer; stderr: Buffer } {
    this.report(true)
    return {
      started: this.out.framed,
      stdout: this.out.framed ? stdout : this.out.unframed(),
      stderr: this.err.framed ? stderr : this.err.unframed()
    }
  }

  private reportAfter(data: Buffer): Buffer {
    this.report(false)
    return data
  }

  // stderr's marker can arrive after stdout's first line: wait for both while the command runs.
  private report(final: boolean): void {
    if (this.reported || !this.out.framed || !(this.err.framed || final)) return
    this.reported = true
    this.onGreeting(this.out.greeting + this.err.greeting)
  }
}

export interface CollectOptions {
  stdin?: string
  /** 0 means no timeout here. */
  timeoutMs: number
  /** False when something else writes the channel's stdin (an upload, a held command's heartbeat). */
  endStdin?: boolean
  /** Each piece of the command's stdout as it arrives. */
  onStdout?: (data: Buffer) => void
  /** Each piece of either stream as it arrives, as text. */
  onOutput?: OutputListener
}

/** Gathers a command's output until its channel closes. */
export function collect(channel: ClientChannel, frame: ChannelFrame, options: CollectOptions, resolve: (result: Collected) => void): void {
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  let timedOut = ''
  let code: number | null = null
  const { timeoutMs } = options
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          timedOut = `\n(timed out after ${timeoutMs} ms)`
          channel.signal('KILL')
          channel.close()
        }, timeoutMs)
      : undefined
  channel.on('data', (chunk: Buffer) => {
    const data = frame.stdout(chunk)
    stdout.push(data)
    if (data.length > 0) options.onStdout?.(data)
    if (data.length > 0) options.onOutput?.(data.toString('utf8'), 'stdout')
  })
  channel.stderr.on('data', (chunk: Buffer) => {
    const data = frame.stderr(chunk)
    stderr.push(data)
    if (data.length > 0) options.onOutput?.(data.toString('utf8'), 'stderr')
  })
  channel.on('exit', (exitCode: number | null) => (code = typeof exitCode === 'number' ? exitCode : null))
  channel.on('close', () => {
    clearTimeout(timer)
    const output = frame.finish(Buffer.concat(stdout), Buffer.concat(stderr))
    const text = (buffer: Buffer) => buffer.toString('utf8')
    resolve({ code, started: output.started, stdout: text(output.stdout), stderr: text(output.stderr) + timedOut })
  })
  if (options.endStdin ?? true) channel.end(options.stdin ?? '')
}

/**
 * A command that runs until released. With a heartbeat, a byte goes to its stdin every `heartbeatMs`,
 * so the server side can tell a vanished runner from a slow one (see the deploy lock).
 * `notStarted` turns a command the login shell never ran into the error the hold rejects with.
 */
export function holdChannel(
  channel: ClientChannel,
  frame: ChannelFrame,
  limits: { firstLineTimeoutMs: number; heartbeatMs: number },
  notStarted: (result: Collected) => Error
): Promise<HeldCommand> {
  return new Promise((resolve, reject) => {
    let released = false
    let lost = false
    const lostListeners: (() => void)[] = []
    let stdout = ''
    const onStdout = (data: Buffer) => {
      stdout += data.toString('utf8')
      if (!stdout.includes('\n')) return
      clearTimeout(timer)
      resolve(held(stdout.split('\n')[0]))
    }
    const finished = new Promise<Collected>(done => collect(channel, frame, { timeoutMs: 0, endStdin: false, onStdout }, done))
    channel.on('error', () => {})
    const beat = limits.heartbeatMs > 0 ? setInterval(() => channel.write('.'), limits.heartbeatMs) : undefined
    const timer = setTimeout(() => channel.close(), limits.firstLineTimeoutMs)
    const held = (firstLine: string): HeldCommand => ({
      firstLine,
      release: () => {
        released = true
        clearInterval(beat)
        channel.end()
        return finished.then(({ code, stdout, stderr }) => ({ code, stdout, stderr }))
      },
      onLost: listener => (lost ? listener() : lostListeners.push(listener))
    })
    void finished.then(result => {
      clearTimeout(timer)
      clearInterval(beat)
      if (!released) {
        lost = true
        lostListeners.forEach(listener => listener())
      }
      if (!result.started) reject(notStarted(result))
      else resolve(held(result.stdout))
    })
  })
}
