/**
 * What the sequences (deploy, status, previews) are given and what they return. Kept apart from the
 * sequences themselves so that none of them imports another just for a type.
 */
import type { RunInfo } from './deploy-steps.js'
import type { Progress } from './progress.js'
import type { HistoryEntry, SlotRecord } from './record.js'
import type { Remote } from './remote.js'
import type { Report } from './report.js'
import type { LocalArtifact } from './runtimes/jar.js'
import type { AppRuntime, KeptRelease } from './runtimes/runtime.js'
import type { Color } from './server-state.js'
import type { Settings } from './settings.js'
import type { Slot } from './slot-plan.js'

export interface DeployContext {
  settings: Settings
  remote: Remote
  runtime: AppRuntime
  report: Report
  run: RunInfo
  progress: (progress: Progress) => void
}

export interface DeployOutcome {
  live: Slot
  previous: Slot | null
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

export type OperationContext = Omit<DeployContext, 'runtime'> & { jar: LocalArtifact | null }

/** `preview` is set by the preview commands (preview-url and preview-port outputs). */
export type OperationOutcome = (({ kind: 'deploy' } & DeployOutcome) | ({ kind: 'status' } & StatusOutcome)) & { preview?: PreviewOutcome }

/** Runs a command on an app instance: how a preview deploys its own instance without importing the dispatcher. */
export type RunOperation = (ctx: OperationContext) => Promise<OperationOutcome>
