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
  /** Several app hosts or a separate nginx host: which release each host runs after the run (empty on one server). */
  hosts: HostOutcome[]
  /** strategy canary: every traffic step, with the numbers its gate judged. */
  canary: CanaryStep[]
}

/** One app host after the run. */
export interface HostOutcome {
  /** The host as given in 'host' (name[:port]). */
  host: string
  /** How nginx reaches it ({address} in the upstream template). */
  address: string
  /** The release it ran before the run, '' for none. */
  before: string
  /** The release it runs now, '' for none. */
  after: string
  /** The slot nginx routes to on it now. */
  slot: Slot | null
  /** What the run did to it. */
  state: 'updated' | 'unchanged' | 'untouched' | 'rolled back' | 'failed'
}

/** What nginx's access log says about one group of upstream servers over one canary step. */
export interface TrafficStats {
  requests: number
  /** Answers with a 5xx status from the upstream (or none: nginx could not reach it). */
  errors: number
  /** errors / requests; 0 without requests. */
  errorRate: number
  /** $upstream_response_time percentiles in ms; null without requests. */
  p50Ms: number | null
  p95Ms: number | null
}

export interface CanaryStep {
  /** The canary's share of traffic, in percent. */
  share: number
  /** How long the share was held (ms). */
  heldMs: number
  canary: TrafficStats
  stable: TrafficStats
  /** Whether the canary's health endpoint answered healthy at the end of the step. */
  healthy: boolean
  passed: boolean
  /** Why the gate failed (with the numbers), empty when it passed. */
  reasons: string[]
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
  return {
    previous: null,
    live: null,
    release: '',
    uploadBytes: null,
    timeToSwitchMs: null,
    healthAttempts: [],
    logTail: '',
    hooks: [],
    hosts: [],
    canary: []
  }
}
