import type { ChildProcess } from 'node:child_process'
import type { DebianLab, DebianUserKey, Lab } from './lab.mjs'

export interface ActionRun {
  code: number | null
  /** The signal that ended the process, when `interrupt` killed it. */
  signal: string | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** What the step saved for its post step (GITHUB_STATE). */
  state: Record<string, string>
}

export interface RunOptions {
  extraEnv?: Record<string, string>
  /** Runs the post step with this saved state. */
  state?: Record<string, string>
  /** Once stdout matches `when`: sends `signal` and/or calls `run` with the action's process. */
  interrupt?: { when: RegExp; signal?: NodeJS.Signals; run?: (child: ChildProcess) => unknown }
}

export const distEntry: string
export function runAction(inputs: Record<string, string>, options?: RunOptions): Promise<ActionRun>
export function parseOutputs(text: string): Record<string, string>
export function labInputs(lab: Lab, app: string): Record<string, string>
/** Only host, port, username, private-key, host-fingerprint and app-name for a debian-profile lab user (default deploy). */
export function debianInputs(lab: DebianLab, app: string, user?: DebianUserKey): Record<string, string>
