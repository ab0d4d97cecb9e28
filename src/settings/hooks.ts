/** The before-switch and after-switch hooks: commands written like a command line, run on the server. */
import { InputError } from '../errors.js'
import { parseDuration, parseWords } from './inputs.js'
import type { HookSettings } from './types.js'

export type { HookSettings }

export const NO_HOOKS: Omit<HookSettings, 'timeoutMs'> = { beforeSwitch: [], afterSwitch: [] }

export function readHooks(input: (name: string, fallback?: string) => string): HookSettings {
  const timeoutMs = parseDuration('hook-timeout', input('hook-timeout', '5m'))
  if (timeoutMs < 1000) throw new InputError('hook-timeout', input('hook-timeout'), 'at least 1s')
  return { beforeSwitch: hookCommand(input, 'before-switch'), afterSwitch: hookCommand(input, 'after-switch'), timeoutMs }
}

function hookCommand(input: (name: string) => string, name: string): string[] {
  const value = input(name)
  const words = parseWords(name, value)
  if (words.length > 0 && (words[0] === '' || words[0].startsWith('-')))
    throw new InputError(name, value, 'a program name or path followed by its arguments, such as ./migrate.sh or sh -c "..."')
  return words
}
