/** What the server remembers about an app: state.json (what runs where) and history.jsonl (what happened). */
import type { Color } from './server-state.js'
import type { Slot } from './slot-plan.js'

export interface SlotRecord extends Slot {
  /** jar sha256 or image digest */
  release: string
  /** Image mode: a pullable reference pinned to the digest (repository@sha256:...). */
  ref?: string
  since?: string
}

/** What state.json holds, as the deploy writes it. */
export interface StateFile {
  app: string
  mode: 'jar' | 'image'
  active: SlotRecord
  previous: SlotRecord | null
  deployedBy: { actor: string; runUrl: string; commit: string }
}

export interface ServerRecord {
  mode: 'jar' | 'image'
  active: SlotRecord | null
  previous: SlotRecord | null
}

export interface HistoryEntry {
  time: string
  command: string
  result: 'deployed' | 'failed' | 'rolled-back' | 'redeployed'
  release: string
  from: Slot | null
  to: Slot | null
  actor: string
  runUrl: string
  commit: string
  error?: string
  /** Set when the post step finished a deploy whose run died after traffic moved. */
  finishedBy?: string
}

export const HISTORY_LIMIT = 50

const RESULTS: Record<string, HistoryEntry['result']> = { deploy: 'deployed', redeploy: 'redeployed', rollback: 'rolled-back' }

/** The history's word for a command that succeeded. */
export function resultOf(command: string): HistoryEntry['result'] {
  return RESULTS[command] ?? 'deployed'
}

function slotRecord(value: unknown): SlotRecord | null {
  const slot = value as Partial<SlotRecord> | null | undefined
  if (!slot || (slot.color !== 'blue' && slot.color !== 'green') || typeof slot.port !== 'number' || typeof slot.release !== 'string') return null
  return { color: slot.color as Color, port: slot.port, release: slot.release, ref: slot.ref, since: slot.since }
}

export function parseRecord(raw: Record<string, unknown> | null): ServerRecord | null {
  if (!raw) return null
  return { mode: raw.mode === 'image' ? 'image' : 'jar', active: slotRecord(raw.active), previous: slotRecord(raw.previous) }
}

export function parseHistory(text: string): HistoryEntry[] {
  return text.split('\n').flatMap(line => {
    try {
      return line.trim() ? [JSON.parse(line) as HistoryEntry] : []
    } catch {
      return []
    }
  })
}
