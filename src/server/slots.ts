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
