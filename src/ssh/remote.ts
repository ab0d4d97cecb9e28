/** The only interface through which the deploy touches the server. SshRemote implements it over SSH. */
import type { Readable } from 'node:stream'
import { lastPartOutput, partsStarted } from '../commands/part-marker.js'
import type { RemoteCommand } from '../commands/script.js'
import { RemoteCommandError } from '../errors.js'

export type { RemoteCommand }

export interface ExecResult {
  /** Exit code; null when the command did not finish (timeout, lost connection, signal). */
  code: number | null
  stdout: string
  stderr: string
}

export interface Tunnel {
  /** A port on the runner's 127.0.0.1 that forwards to remoteHost:remotePort as the server sees it (127.0.0.1 by default). */
  localPort: number
  /** Resolves once sshd has closed every channel of the tunnel, or after a bound; says how many it did not confirm. */
  close(): Promise<{ unconfirmed: number }>
  /** Throws a ConnectionError once the SSH connection behind the tunnel is gone. */
  check(): void
}

/** A command that keeps running while the deploy goes on (the deploy lock). */
export interface HeldCommand {
  /** The first line the command printed (or all it printed, if it ended without a newline). */
  firstLine: string
  /** Closes the command's stdin and waits for it to end. */
  release(): Promise<ExecResult>
  /** Called (once) if the command ends before it is released: the connection dropped, or the server gave up on it. */
  onLost(listener: () => void): void
}

/** Each piece of a command's output as it arrives (for progress lines). */
export type OutputListener = (text: string, stream: 'stdout' | 'stderr') => void

export interface Remote {
  exec(command: RemoteCommand, onOutput?: OutputListener): Promise<ExecResult>
  /**
   * Starts a command and resolves once it has printed its first line; it runs on until released.
   * With `heartbeatMs`, a byte is written to its stdin that often for as long as it is held.
   */
  hold(command: RemoteCommand, heartbeatMs?: number): Promise<HeldCommand>
  /** Runs `command` with the local file streamed to its stdin (how files are uploaded); `onSent` gets the bytes read so far. */
  upload(localPath: string, command: RemoteCommand, onSent?: (bytes: number) => void): Promise<ExecResult>
  /** Runs `command` with `source` streamed to its stdin (a delta upload, made up as it is sent). */
  uploadStream(source: Readable, command: RemoteCommand): Promise<ExecResult>
  openTunnel(remotePort: number, remoteHost?: string): Promise<Tunnel>
  /** Why the connection is gone, or null while it is up. */
  lostReason(): string | null
  close(): Promise<void>
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000

/** Runs a command and returns its stdout; a non-zero exit becomes a RemoteCommandError. */
export async function runChecked(remote: Remote, command: RemoteCommand): Promise<string> {
  const result = await remote.exec(command)
  if (result.code === 0) return result.stdout
  throw commandFailed(command.label, result.code, `${result.stderr}\n${result.stdout}`.trim())
}

function commandFailed(label: string, code: number | null, output: string): RemoteCommandError {
  const needsPassword = /sudo: .*password is required|sudo: a terminal is required/.test(output)
  return new RemoteCommandError(label, code, output, {
    hint: needsPassword
      ? 'The login user needs passwordless sudo for exactly the nginx commands, such as ' +
        "'deploy ALL=(root) NOPASSWD: /usr/bin/tee /etc/nginx/conf.d/service-url.inc, " +
        "/usr/sbin/nginx -t, /usr/sbin/nginx -T, /usr/sbin/nginx -s reload' (see the README), " +
        "or set 'sudo: false' if it can run them itself."
      : undefined
  })
}

export interface SequenceResult extends ExecResult {
  /** The part that was running when the sequence ended: the one that failed, or the last one. */
  last: RemoteCommand | undefined
}

/** Runs a sequence (commands/sequence.ts) and reads which of its parts it ended in. */
export async function runSequence(remote: Remote, command: RemoteCommand): Promise<SequenceResult> {
  const result = await remote.exec(command)
  const started = partsStarted(result.stdout)
  const last = command.parts?.[started.length - 1]
  return { ...result, last }
}

/** A failed sequence's error, named after the part that failed, with what that part printed. */
export function sequenceError(result: SequenceResult, command: RemoteCommand): RemoteCommandError {
  return commandFailed(result.last?.label ?? command.label, result.code, `${result.stderr}\n${lastPartOutput(result.stdout)}`.trim())
}
