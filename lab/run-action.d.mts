import type { Lab } from './lab.mjs'

export interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

export const distEntry: string
export function runAction(inputs: Record<string, string>, extraEnv?: Record<string, string>): Promise<ActionRun>
export function parseOutputs(text: string): Record<string, string>
export function labInputs(lab: Lab, app: string): Record<string, string>
