/**
 * The fault matrix: the action is stopped at a boundary between two of its steps (a test hook, see
 * src/boundary.ts), then its SSH connection is cut, it is killed (and its post step runs, as on a
 * runner), or it is cancelled. All under steady load through nginx.
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { startLoad, TEST_LOAD, type Sample } from '../../bench/load.mjs'
import type { Lab } from '../../lab/lab.mjs'
import { runAction, type ActionRun } from '../../lab/run-action.mjs'
import { BOUNDARIES, STOP_AT_VARIABLE, type Boundary } from '../../src/boundary.js'

export type Fault = 'cut' | 'kill' | 'cancel'
export const FAULTS: Fault[] = ['cut', 'kill', 'cancel']

export interface MatrixTarget {
  lab: Lab
  app: string
  remoteDir: string
  inputs(version: string): Promise<Record<string, string>>
  /** What runs for this app now: one entry per running process or container, e.g. 'blue'. */
  running(): Promise<string[]>
}

export interface CaseOutcome {
  main: ActionRun
  post: ActionRun
  failed: Sample[]
}

/** From 'verified' on, traffic has moved for good: the new version must serve after any fault. */
export function newVersionServesAfter(boundary: Boundary): boolean {
  return BOUNDARIES.indexOf(boundary) >= BOUNDARIES.indexOf('verified')
}

export async function runCase(t: MatrixTarget, boundary: Boundary, fault: Fault, version: string): Promise<CaseOutcome> {
  const load = startLoad(t.lab.nginxUrl, TEST_LOAD)
  try {
    const inputs = await t.inputs(version)
    const main = await runAction(inputs, {
      extraEnv: { [STOP_AT_VARIABLE]: boundary },
      interrupt: { when: new RegExp(`\\[test\\] stopped at boundary ${boundary}\\n`), ...interruption(t.lab, fault) }
    })
    // The runner runs the post step after the main step whatever happened to it.
    const post = await runAction(inputs, { state: main.state })
    return { main, post, failed: (await load.stop()).filter(sample => sample.status !== 200) }
  } catch (error) {
    await load.stop()
    throw error
  }
}

function interruption(lab: Lab, fault: Fault): { signal?: NodeJS.Signals; run?: (child: ChildProcess) => unknown } {
  if (fault === 'kill') return { signal: 'SIGKILL' }
  return {
    run: async child => {
      // The line comes out just before the action stops itself: continuing it earlier would be lost.
      await untilStopped(child.pid as number)
      if (fault === 'cancel') child.kill('SIGINT')
      else sshSessions(lab).forEach(pid => signal(pid, 'SIGKILL'))
      child.kill('SIGCONT')
    }
  }
}

/** Resolves once the process is in the stopped state (T in /proc/PID/stat). */
export async function untilStopped(pid: number): Promise<void> {
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) return
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone: one session process can end with its parent.
  }
}

/** Every process below the sshd listener: per-connection monitors, their session processes and commands. */
export function sshSessions(lab: Lab): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
  const pairs = out
    .trim()
    .split('\n')
    .map(line => line.trim().split(/\s+/).map(Number))
  const found: number[] = []
  for (let level = [lab.pids.sshd]; level.length > 0;) {
    level = pairs.filter(([, ppid]) => level.includes(ppid)).map(([pid]) => pid)
    found.push(...level)
  }
  return found
}

/** Slot colours of the jar processes of `app` that run now (read from /proc as root). */
export function runningJarSlots(app: string): string[] {
  const slots: string[] = []
  for (const pid of readdirSync('/proc').filter(entry => /^\d+$/.test(entry))) {
    let cmdline = ''
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    } catch {
      continue
    }
    const args = cmdline.split('\0')
    // Only the JVM itself: the action's own short-lived scripts carry the marker as an argument too.
    const match = args.find(arg => arg.startsWith(`-Dbluegreen.slot=${app}/`))
    if (match && /(^|\/)java$/.test(args[0])) slots.push(match.split('/')[1])
  }
  return slots.sort()
}

/** Waits until the app's deploy lock can be taken (the lock frees itself within the heartbeat bound). */
export async function lockIsFree(t: MatrixTarget, withinMs = 35_000): Promise<boolean> {
  const deadline = Date.now() + withinMs
  for (;;) {
    const probe = await t.lab.sshExec(`flock -n ${t.remoteDir}/.deploy.lock true`)
    if (probe.code === 0) return true
    if (Date.now() > deadline) return false
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

/** The port nginx's include points at, and the port state.json names as active. */
export async function routedAndRecorded(t: MatrixTarget): Promise<{ routed: number; recorded: number }> {
  const include = readFileSync(t.lab.nginxInclude, 'utf8')
  const state = JSON.parse((await t.lab.sshExec(`cat ${t.remoteDir}/state.json`)).stdout) as { active: { port: number } }
  return { routed: Number(/:(\d+);/.exec(include)?.[1]), recorded: state.active.port }
}

export function colorOfPort(t: MatrixTarget, port: number): string {
  return port === t.lab.ports[0] ? 'blue' : 'green'
}
