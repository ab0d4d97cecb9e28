/** What a run did, kept apart from how it is shown (report/) so that any step can fill it in. */
import type { HealthAttempt } from './health/health.js'
import type { Slot } from './server/slots.js'

/** What a run did, filled in as it happens: the outputs, the summary and the PR comment read it. */
export interface Outcome {
  /** What served before the run. */
  previous: Slot | null
  /** What serves now (the previous slot until traffic has moved). */
  live: Slot | null
  release: string
  /** Jar mode: the bytes sent for the jar (a delta upload sends less than its size); null when nothing was to send. */
  uploadBytes: number | null
  /** From the start of the new version to nginx having loaded the switch. */
  timeToSwitchMs: number | null
  healthAttempts: HealthAttempt[]
  /** The new version's log tail, when it failed. */
  logTail: string
  /** The hooks that ran, in order. */
  hooks: HookRun[]
}

export interface HookRun {
  name: 'before-switch' | 'after-switch'
  /** The hook's argv as the server's shell read it (shellJoin). */
  command: string
  /** null: it did not finish (the connection or the action's own guard ended it). */
  code: number | null
  timedOut: boolean
  durationMs: number
  /** The last lines of what it printed (stdout and stderr together). */
  output: string
}

export function emptyOutcome(): Outcome {
  return { previous: null, live: null, release: '', uploadBytes: null, timeToSwitchMs: null, healthAttempts: [], logTail: '', hooks: [] }
}
