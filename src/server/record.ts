/** What the server remembers about an app: state.json (what runs where) and history.jsonl (what happened). */
import type { Slot } from './slots.js'

export interface SlotRecord extends Slot {
  /** jar sha256 or image digest */
  release: string
  /** Image mode: a pullable reference pinned to the digest (repository@sha256:...). */
  ref?: string
  since?: string
}

export type Mode = 'jar' | 'image'

/** state.json: which release is live in which slot, and the one before it. */
export interface DeployRecord {
  app: string
  mode: Mode
  live: SlotRecord
  previous: SlotRecord | null
  deployedBy: { actor: string; runUrl: string; commit: string }
}

/** On disk the live slot is named "active": servers deployed by earlier versions keep working. */
export function serializeRecord({ live, ...rest }: DeployRecord): string {
  return (
    JSON.stringify({ app: rest.app, mode: rest.mode, active: live, previous: rest.previous, deployedBy: rest.deployedBy }, null, 2) + '\n'
  )
}

/** The record in a state.json text; null when there is none or it names no valid live slot. */
export function parseRecord(text: string): DeployRecord | null {
  const raw = parseObject(text)
  const live = slotRecord(raw?.active)
  if (!raw || !live) return null
  const by = (raw.deployedBy ?? {}) as Partial<DeployRecord['deployedBy']>
  return {
    app: typeof raw.app === 'string' ? raw.app : '',
    mode: raw.mode === 'image' ? 'image' : 'jar',
    live,
    previous: slotRecord(raw.previous),
    deployedBy: { actor: by.actor ?? '', runUrl: by.runUrl ?? '', commit: by.commit ?? '' }
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = text.trim() ? JSON.parse(text) : null
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
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
  if (!slot || (slot.color !== 'blue' && slot.color !== 'green') || typeof slot.port !== 'number' || typeof slot.release !== 'string')
    return null
  // Records written before management-ports existed have no managementPort: the slot then has none.
  const management = typeof slot.managementPort === 'number' ? { managementPort: slot.managementPort } : {}
  return { color: slot.color, port: slot.port, ...management, release: slot.release, ref: slot.ref, since: slot.since }
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
