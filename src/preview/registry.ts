/** Which pull requests have a preview on the server, and on which ports. Pure except for the two commands. */
import { readOptional, writeFileAtomic } from '../commands/files.js'
import type { RemoteCommand } from '../ssh/remote.js'

export interface PreviewEntry {
  number: number
  ports: [number, number]
  createdAt: string
}

export type Registry = Record<string, PreviewEntry>

export function readRegistry(file: string): RemoteCommand {
  return readOptional(file, 'read preview registry')
}

export function writeRegistry(file: string, registry: Registry): RemoteCommand {
  return writeFileAtomic(file, JSON.stringify(registry, null, 2) + '\n', 'write preview registry')
}

export function parseRegistry(text: string): Registry {
  try {
    return text.trim() ? (JSON.parse(text) as Registry) : {}
  } catch {
    return {}
  }
}

/** The lowest pair of ports in the range that no preview, no production slot and nothing listening uses. */
export function allocatePorts(
  range: { first: number; last: number },
  registry: Registry,
  taken: (port: number) => boolean
): [number, number] | null {
  const used = new Set(Object.values(registry).flatMap(entry => entry.ports))
  for (let port = range.first; port + 1 <= range.last; port += 2) {
    const pair: [number, number] = [port, port + 1]
    if (pair.every(p => !used.has(p) && !taken(p))) return pair
  }
  return null
}

/** Oldest first. */
export function byAge(registry: Registry): PreviewEntry[] {
  return Object.values(registry).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}
