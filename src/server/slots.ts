/** The two slots of an app instance: a color, the port its version listens on, and its management port, if any. */
export type Color = 'blue' | 'green'
export const COLORS: readonly Color[] = ['blue', 'green']

export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue'
}

export interface Slot {
  color: Color
  port: number
  /** The slot's second port (actuator, metrics), from management-ports; absent when there is none. */
  managementPort?: number
}

/** The slot ports of an app instance. */
export interface Slots {
  blue: number
  green: number
  /** management-ports: one per slot; absent when not set. */
  management?: Record<Color, number>
}

export function slotOf(slots: Slots, color: Color): Slot {
  const managementPort = slots.management?.[color]
  return managementPort === undefined ? { color, port: slots[color] } : { color, port: slots[color], managementPort }
}

/** Every port a slot's version listens on: the app port, then the management port. */
export function portsOf(slot: Slot): number[] {
  return slot.managementPort === undefined ? [slot.port] : [slot.port, slot.managementPort]
}

/** Which slot is live and which one the new version goes to (strategy/slot-plan.ts decides). */
export interface SlotPlan {
  /** What nginx routes to and that answers; null on an empty server. */
  live: Slot | null
  target: Slot
  /** An earlier run's process of ours still holds the target port; it is stopped before the start. */
  staleInTarget: boolean
  warnings: string[]
}
