/**
 * What the sequences (deploy, status, previews) and the strategy are given and what they return. Kept apart
 * from the sequences themselves so that none of them imports another just for a type.
 */
import type { HealthAttempt } from './health/health.js'
import type { Progress } from './progress.js'
import type { Proxy } from './proxy/proxy.js'
import type { Report } from './report/report.js'
import type { LocalArtifact } from './runtimes/jar.js'
import type { AppHost } from './runtimes/app-host.js'
import type { KeptRelease } from './runtimes/runtime.js'
import type { ServerProbe } from './server/probe.js'
import type { HistoryEntry, SlotRecord } from './server/record.js'
import type { ServerRecords } from './server/records.js'
import type { Color, Slot } from './server/slots.js'
import type { Settings } from './settings/settings.js'
import type { Remote } from './ssh/remote.js'
import type { SlotPlan } from './strategy/slot-plan.js'

export interface RunInfo {
  actor: string
  runUrl: string
  commit: string
  /** Unique to this run: marks what it starts, so a repair never touches another run's version. */
  token: string
}

/** What a run did, filled in as it happens: the outputs, the summary and the PR comment read it. */
export interface Outcome {
  /** What served before the run. */
  previous: Slot | null
  /** What serves now (the previous slot until traffic has moved). */
  live: Slot | null
  release: string
  /** From the start of the new version to nginx having loaded the switch. */
  timeToSwitchMs: number | null
  healthAttempts: HealthAttempt[]
  /** The new version's log tail, when it failed. */
  logTail: string
}

export function emptyOutcome(): Outcome {
  return { previous: null, live: null, release: '', timeToSwitchMs: null, healthAttempts: [], logTail: '' }
}

/** Shared by every sequence: what to do, where, and where to report it. */
export interface RunContext {
  settings: Settings
  /** The connection the lock and the preview registry use; the roles below hold their own. */
  remote: Remote
  report: Report
  outcome: Outcome
  run: RunInfo
  progress: (progress: Progress) => void
}

export interface DeployContext extends RunContext {
  app: AppHost
  records: ServerRecords
  /** The proxy, once the probe has said what the server allows (sudo) and how nginx is configured. */
  proxy: (server: ServerProbe) => Proxy
}

/** What the strategy moves traffic with: the plan from the probe, the app host and the proxy. */
export interface StrategyContext extends Omit<DeployContext, 'proxy'> {
  plan: SlotPlan
  probe: ServerProbe
  proxy: Proxy
}

export interface DeployOptions {
  /** A version kept running in this slot (keep-previous) that is the release to switch to: no restart. */
  reuse?: { color: Color; release: string }
}

export interface StatusOutcome {
  live: SlotRecord | null
  healthy: boolean | null
  releases: KeptRelease[]
  history: HistoryEntry[]
}

export interface PreviewOutcome {
  url: string
  port: number | null
}

export type OperationContext = RunContext & { jar: LocalArtifact | null }

/** `preview` is set by the preview commands (preview-url and preview-port outputs). */
export type OperationOutcome = (({ kind: 'deploy' } & Outcome) | ({ kind: 'status' } & StatusOutcome)) & { preview?: PreviewOutcome }

/** Runs a command on an app instance: how a preview deploys its own instance without importing the dispatcher. */
export type RunOperation = (ctx: OperationContext) => Promise<OperationOutcome>
