/** What every builder in commands/ returns: one remote command, run by a Remote (ssh/remote.ts). */
export interface RemoteCommand {
  /** The command as an argv array; it is quoted by shellJoin and nothing else. */
  argv: string[]
  /** A short name for logs and errors, e.g. "read server state". */
  label: string
  timeoutMs?: number
  /** Sent on the command's standard input (how secrets and file contents travel). */
  stdin?: string
  /** For a sequence (commands/sequence.ts): the commands it runs, in order. */
  parts?: RemoteCommand[]
}

/** Runs a constant shell script with user values passed as positional arguments, never pasted into it. */
export function script(body: string, args: readonly string[]): string[] {
  return ['sh', '-c', body, 'sh', ...args]
}

export function withSudo(argv: string[], sudo: boolean): string[] {
  return sudo ? ['sudo', '-n', ...argv] : argv
}
