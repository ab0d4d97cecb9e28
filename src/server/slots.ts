/** The two slots of an app instance: a color and the port its version listens on. */
export type Color = 'blue' | 'green'
export const COLORS: readonly Color[] = ['blue', 'green']

export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue'
}

export interface Slot {
  color: Color
  port: number
}

/** The two slot ports of an app instance. */
export interface Slots {
  blue: number
  green: number
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
