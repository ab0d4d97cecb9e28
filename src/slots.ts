/** The two slot ports of an app instance. */
export interface Slots {
  blue: number
  green: number
}
