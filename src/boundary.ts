/**
 * The points between the deploy's steps where a run may be interrupted. Tests of the fault matrix
 * stop the action at one of them (BLUEGREEN_TEST_STOP_AT) to cut its connection, kill it or cancel it
 * there, deterministically; in normal runs this does nothing.
 */
export const BOUNDARIES = [
  'connected',
  'locked',
  'state-read',
  'prepared',
  'started',
  'healthy',
  'switched',
  'verified',
  'drained',
  'stopped',
  'recorded'
] as const
export type Boundary = (typeof BOUNDARIES)[number]

export const STOP_AT_VARIABLE = 'BLUEGREEN_TEST_STOP_AT'

export async function boundary(name: Boundary): Promise<void> {
  if (process.env[STOP_AT_VARIABLE] !== name) return
  // Writes to a pipe are synchronous on Linux, so the line is out before the process stops.
  process.stdout.write(`[test] stopped at boundary ${name}\n`)
  process.kill(process.pid, 'SIGSTOP')
  // Once continued, what happened meanwhile (a signal, a closed connection) is handled before the next step:
  // a timer, then an immediate, puts one poll phase of the event loop in between.
  await new Promise(resolve => setTimeout(resolve, 0))
  await new Promise(resolve => setImmediate(resolve))
}
