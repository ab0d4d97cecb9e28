/** Where a deploy stands, saved (core.saveState) so that the post step can repair or finish a run that died. */
import type { DeployRecord, HistoryEntry, Mode } from './server/record.js'
import type { Slot } from './server/slots.js'

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

/** The name under which the main step saves its progress for the post step. */
export const REPAIR_STATE = 'repair'

/** 'done': nothing left for the post step (the deploy finished, or rolled back cleanly). */
export type Progress = InFlight | { phase: 'done' }

export function parseProgress(saved: string): Progress | null {
  try {
    const progress = saved ? (JSON.parse(saved) as Progress) : null
    return progress && ['started', 'switched', 'done'].includes(progress.phase) ? progress : null
  } catch {
    return null
  }
}
