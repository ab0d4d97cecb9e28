/**
 * What the sequences (deploy, status, previews) and the strategy are given and what they return. Kept apart
 * from the sequences themselves so that none of them imports another just for a type.
 */
import type { Outcome } from './outcome.js'
import type { RunInfo } from './run-identity.js'
import type { Progress } from './progress.js'
import type { Proxy } from './proxy/proxy.js'
import type { Report } from './report/report.js'
import type { AppHost, KeptRelease, LocalArtifact, RuntimeSource } from './runtimes/runtime.js'
import type { ServerProbe } from './server/probe.js'
import type { HistoryEntry, SlotRecord } from './server/record.js'
import type { ServerRecords } from './server/records.js'
import type { Color } from './server/slots.js'
import type { Settings } from './settings/types.js'
import type { Remote } from './ssh/remote.js'
import type { SlotPlan } from './server/slots.js'

export type { RunInfo }

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

/** Puts a runtime and the roles on hosts for one app instance (wiring.ts): given to the sequences by the entry. */
export type Wire = (ctx: RunContext, source: RuntimeSource) => DeployContext

export type OperationContext = RunContext & { jar: LocalArtifact | null; wire: Wire }

/** `preview` is set by the preview commands (preview-url and preview-port outputs). */
export type OperationOutcome = (({ kind: 'deploy' } & Outcome) | ({ kind: 'status' } & StatusOutcome)) & { preview?: PreviewOutcome }

/** Runs a command on an app instance: how a preview deploys its own instance without importing the dispatcher. */
export type RunOperation = (ctx: OperationContext) => Promise<OperationOutcome>

export type { Outcome }
