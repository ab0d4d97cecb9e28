/** Where a deploy stands, saved (core.saveState) so that the post step can repair or finish a run that died. */
import type { RunInfo } from './run-identity.js'
import { resultOf, type DeployRecord, type HistoryEntry, type Mode, type SlotRecord } from './server/record.js'
import type { Slot, SlotPlan } from './server/slots.js'

/** What state.json and the history must say once traffic has moved. */
export interface Finish {
  record: DeployRecord
  history: HistoryEntry
}

export interface InFlight {
  /** 'started': the new version may run and nginx may point at it, unverified. 'switched': traffic moved, verified. */
  phase: 'started' | 'switched'
  mode: Mode
  /** Marks the process or container this run started; a repair touches no other. */
  runToken: string
  target: Slot
  live: Slot | null
  includeBefore: string | null
  /** The include text this run writes; a repair restores nginx only while it still holds this text. */
  includeWritten: string
  /** Image mode: the image reference (repository@digest) of the new version. */
  ref?: string
  finish?: Finish
  preview?: { number: number; ports: [number, number] }
}

/**
 * A deploy across hosts, as the post step needs it: nginx goes back to `includeSafe` while it still holds
 * `includeWritten`; each host whose safe route is its new version is finished (old version stopped, recorded),
 * and on every other host the new version this run started is stopped.
 */
export interface FleetInFlight {
  phase: 'fleet'
  mode: Mode
  runToken: string
  ref?: string
  includeWritten: string | null
  /** Every host on a version that runs and serves: no host down, no canary share. */
  includeSafe: string | null
  hosts: FleetHostProgress[]
}

export interface FleetHostProgress {
  /** Its place in 'host'. */
  index: number
  target: Slot
  live: Slot | null
  /** Whether the safe include routes it to the new version (verified): then it is finished, not undone. */
  committed: boolean
  finish: Finish
}

/** The name under which the main step saves its progress for the post step. */
export const REPAIR_STATE = 'repair'

/** 'done': nothing left for the post step (the deploy finished, or rolled back cleanly). */
export type Progress = InFlight | FleetInFlight | { phase: 'done' }

export function parseProgress(saved: string): Progress | null {
  try {
    const progress = saved ? (JSON.parse(saved) as Progress) : null
    return progress && ['started', 'switched', 'fleet', 'done'].includes(progress.phase) ? progress : null
  } catch {
    return null
  }
}

/** What a finished deploy on one host is made of: the app and command, the release, its slots, who ran it. */
export interface FinishInput {
  settings: { appName: string; command: string }
  runtime: { mode: Mode; release: string; ref?: string }
  plan: Pick<SlotPlan, 'live' | 'target'>
  run: RunInfo
  /** What state.json named as live before the run (its release and image reference). */
  before?: Pick<SlotRecord, 'release' | 'ref'>
}

/** state.json and the history line once traffic has moved to `plan.target`. */
export function finishOf({ settings, runtime, plan, run, before }: FinishInput): Finish {
  const { token: _token, ...deployedBy } = run
  const now = new Date().toISOString()
  return {
    record: {
      app: settings.appName,
      mode: runtime.mode,
      live: { ...plan.target, release: runtime.release, ref: runtime.ref, since: now },
      previous: plan.live ? { ...plan.live, release: before?.release ?? '', ref: before?.ref } : null,
      deployedBy
    },
    history: {
      time: now,
      command: settings.command,
      result: resultOf(settings.command),
      release: runtime.release,
      from: plan.live,
      to: plan.target,
      actor: run.actor,
      runUrl: run.runUrl,
      commit: run.commit
    }
  }
}
