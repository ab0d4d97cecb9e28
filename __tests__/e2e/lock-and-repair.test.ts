/**
 * Two real runs racing for one app: the post step of a dead run repairs only what is still its own,
 * and a frozen run frees the deploy lock through the heartbeat. Under load through nginx.
 */
import type { ChildProcess } from 'node:child_process'
import { startLab } from '../../lab/lab.mjs'
import { runAction } from '../../lab/run-action.mjs'
import { STOP_AT_VARIABLE } from '../../src/boundary.js'
import { errorOf, failureLab, type FailureLab } from '../support/failure-lab.js'
import { runningJarSlots, untilStopped } from '../support/fault-matrix.js'

let f: FailureLab

beforeAll(async () => {
  f = failureLab(await startLab({ name: 'lock-repair' }), 'racer')
  expect((await f.underLoad(await f.inputs('v0'))).run.outputs.result).toBe('deployed')
})
afterAll(() => f?.lab.stop())

const stopAt = (boundary: string) => ({ extraEnv: { [STOP_AT_VARIABLE]: boundary } })

/** Starts a run that stops itself at `boundary`; resolves with its process once it has stopped there. */
function frozenRun(
  inputs: Record<string, string>,
  boundary: string
): { frozen: Promise<ChildProcess>; done: ReturnType<typeof runAction> } {
  let reached: (child: ChildProcess) => void = () => {}
  const frozen = new Promise<ChildProcess>(resolve => (reached = resolve))
  const done = runAction(inputs, {
    ...stopAt(boundary),
    interrupt: {
      when: new RegExp(`stopped at boundary ${boundary}\\n`),
      run: child => untilStopped(child.pid as number).then(() => reached(child))
    }
  })
  return { frozen, done }
}

describe('deploy lock and repair across runs', () => {
  it("a dead run's post step leaves alone what a later run deployed", async () => {
    const include = await f.includeText()
    const a = frozenRun(await f.inputs('v1'), 'started')
    ;(await a.frozen).kill('SIGKILL')
    const runA = await a.done
    // Run B gets the lock at once (A's connection closed when it died) and deploys over A's leftover.
    const { run: runB, failed } = await f.underLoad(await f.inputs('v2'))
    expect(errorOf(runB)).toBe('')
    expect(failed).toEqual([])
    const afterB = await f.includeText()
    expect(afterB).not.toBe(include)
    // Now A's post step: it must restore nothing and stop nothing.
    const load = f.underLoad(await f.inputs('v2'), { state: runA.state })
    const { run: post, failed: failedDuringPost } = await load
    expect(post.code).toBe(0)
    expect(failedDuringPost).toEqual([])
    expect(post.summary).toMatch(/left alone/)
    expect(await f.includeText()).toBe(afterB)
    expect(await f.servedVersion()).toBe('v2')
    expect(runningJarSlots('racer')).toHaveLength(1)
    f.live = 'v2'
    await f.recovers('v3')
  })

  it('a frozen run frees the lock within the heartbeat bound; the next run deploys and the frozen one then changes nothing', async () => {
    const a = frozenRun(await f.inputs('v4'), 'healthy')
    const frozenA = await a.frozen
    try {
      const { run: runB, failed } = await f.underLoad(await f.inputs('v5', { 'lock-timeout': '90s' }))
      // Without the heartbeat, A's open connection would hold the lock past B's lock-timeout.
      expect(errorOf(runB)).toBe('')
      expect(failed).toEqual([])
      expect(await f.servedVersion()).toBe('v5')
    } catch (error) {
      frozenA.kill('SIGKILL') // a frozen process would keep the test runner waiting forever
      throw error
    }
    // A wakes up: it no longer holds the lock, so it must not touch anything.
    frozenA.kill('SIGCONT')
    const runA = await a.done
    expect(runA.outputs.result).toBe('failed')
    expect(errorOf(runA)).toMatch(/lost the deploy lock/)
    const post = await runAction(await f.inputs('v4'), { state: runA.state })
    expect(post.code).toBe(0)
    expect(await f.servedVersion()).toBe('v5')
    expect(runningJarSlots('racer')).toHaveLength(1)
    f.live = 'v5'
    await f.recovers('v6')
  })
})
