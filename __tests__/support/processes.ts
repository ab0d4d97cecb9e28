/** Local /proc helpers for lab tests (the lab runs on this machine; the tests run as root). */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

export function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
  } catch {
    return []
  }
}

/** Running, or stopped; not gone and not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))
  } catch {
    return false
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return -1
  }
}

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter(name => /^\d+$/.test(name))
    .map(Number)
}

export function childrenOf(pid: number): number[] {
  return allPids().filter(child => parentOf(child) === pid)
}

/** Polls until a process whose argv satisfies `matches` exists; resolves with its PID. */
export async function waitForProcess(matches: (argv: string[]) => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = allPids().find(pid => matches(argvOf(pid)))
    if (found) return found
    if (Date.now() > deadline) throw new Error('the process did not appear in time')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
}

/** Files under `dir` (as root) whose content holds `text`. */
export function filesHolding(dir: string, text: string): string[] {
  try {
    return execFileSync('grep', ['-rlsF', '--', text, dir], { encoding: 'utf8' }).split('\n').filter(Boolean)
  } catch (error) {
    if ((error as { status?: number }).status === 1) return []
    throw error
  }
}
