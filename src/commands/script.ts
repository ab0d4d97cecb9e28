/** Runs a constant shell script with user values passed as positional arguments, never pasted into it. */
export function script(body: string, args: readonly string[]): string[] {
  return ['sh', '-c', body, 'sh', ...args]
}

export function withSudo(argv: string[], sudo: boolean): string[] {
  return sudo ? ['sudo', '-n', ...argv] : argv
}
