/** The proxy role: what routes traffic to a slot. Today nginx on the app's server; later nginx on its own host. */
import type { Slot } from '../server/slots.js'

/** How far a switch got: the route changed on disk, and then the proxy (maybe) loaded it. */
export type SwitchStage = 'untouched' | 'include-written' | 'reloaded'

export interface Restored {
  /** True only when the proxy has loaded the restored route. */
  restored: boolean
  note: string
}

/** What the proxy found before the deploy changed anything: a note for the summary, and warnings. */
export interface Preflight {
  note: string
  warnings: string[]
}

export interface Proxy {
  /** The file that holds the route (for messages). */
  readonly routeFile: string
  /** Refuses (throws) when a switch could not be made or would change nothing; run before anything changes. */
  preflight(): Promise<Preflight>
  /** The route text that sends traffic to `target`. */
  routeTo(target: Slot): string
  /** Points traffic at `target`, reporting how far it got; the caller restores on failure. */
  switchTo(target: Slot, reached: (stage: SwitchStage) => void): Promise<void>
  /** Writes `text` as the route (an upstream across hosts), tests it and loads it, reporting how far it got. */
  write(text: string, reached: (stage: SwitchStage) => void): Promise<void>
  /** Puts the route back as it was (`previous` null: there was none) and reloads. */
  restore(previous: string | null): Promise<Restored>
  /** Asks the proxy, as a client would, until it answers like a healthy app. Returns a note. Needs preflight() first. */
  verify(): Promise<string>
}
