/** Waiting on what the server sees, instead of sleeping: a request in flight, a line a run printed. */
import type { Lab } from '../../lab/lab.mjs'
import type { RunOptions } from '../../lab/run-action.mjs'

/** Resolves once a TCP connection to or from `port` is established on the server (a request in flight). */
export async function untilInFlight(lab: Lab, port: number, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs
  for (;;) {
    const listed = await lab.sshExec(`ss -Htn state established '( sport = :${port} or dport = :${port} )'`)
    if (listed.stdout.trim()) return
    if (Date.now() > deadline) throw new Error(`no connection on port ${port} within ${withinMs} ms`)
  }
}

/** Run options that resolve `reached` when the run's log matches `line`. */
export function onLine(line: RegExp): { options: RunOptions; reached: Promise<void> } {
  let resolve: () => void = () => {}
  const reached = new Promise<void>(done => (resolve = done))
  return { options: { interrupt: { when: line, run: () => resolve() } }, reached }
}
