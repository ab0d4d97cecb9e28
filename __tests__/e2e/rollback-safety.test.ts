/**
 * The rollback never takes the live version down: the new version is stopped only once nginx has
 * loaded the restored configuration, and the action's own tunnels never hold a drain open.
 */
import type { ChildProcess } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startLab } from '../../lab/lab.mjs'
import { runAction } from '../../lab/run-action.mjs'
import { STOP_AT_VARIABLE } from '../../src/boundary.js'
import { errorOf, failureLab, type FailureLab } from '../support/failure-lab.js'
import { runningJarSlots, untilStopped } from '../support/fault-matrix.js'

let f: FailureLab

beforeAll(async () => {
  f = failureLab(await startLab({ name: 'rollback-safety' }), 'safe')
  expect((await f.underLoad(await f.inputs('v0'))).run.outputs.result).toBe('deployed')
})
afterAll(() => f?.lab.stop())

/** Runs the action under load, stopped at `boundary` until `then` has done its part and continued it. */
function stoppedAt(boundary: string, inputs: Record<string, string>, then: (child: ChildProcess) => unknown) {
  return f.underLoad(inputs, {
    extraEnv: { [STOP_AT_VARIABLE]: boundary },
    interrupt: {
      when: new RegExp(`stopped at boundary ${boundary}\\n`),
      run: child => untilStopped(child.pid as number).then(() => then(child))
    }
  })
}

async function establishedTo(port: number): Promise<number> {
  const out = await f.lab.sshExec(`ss -Htn state established '( sport = :${port} )'`)
  return out.stdout.split('\n').filter(Boolean).length
}

describe('rollback safety', () => {
  it("closes each tunnel's SSH channel with its socket: no connection of the action's stays open on the app", async () => {
    let counted: Promise<number> = Promise.resolve(-1)
    const livePort = Number(/:(\d+);/.exec(await f.includeText())?.[1])
    const target = f.lab.ports.find(port => port !== livePort) as number
    const { run, failed } = await stoppedAt('healthy', await f.inputs('v1'), child => {
      // Before the switch nothing but the action itself has talked to the new version.
      counted = (async () => {
        const deadline = Date.now() + 5_000
        let open = await establishedTo(target)
        while (open > 0 && Date.now() < deadline) open = await establishedTo(target)
        child.kill('SIGCONT')
        return open
      })()
    })
    expect(await counted).toBe(0)
    expect(errorOf(run)).toBe('')
    expect(failed).toEqual([])
    f.live = 'v1'
  })

  it('leaves both versions running when the restored nginx configuration cannot be loaded', async () => {
    const broken = join(f.lab.nginxSitesDir, 'broken.conf')
    const inputs = await f.inputs('v2', { 'verify-url': `http://127.0.0.1:${f.lab.nginxPort}/not-the-app` })
    // After the switch, someone breaks another part of the nginx configuration; the check through nginx then fails.
    const { run, failed } = await stoppedAt('switched', inputs, child => {
      writeFileSync(broken, 'this is not nginx;\n')
      child.kill('SIGCONT')
    })
    try {
      expect(failed).toEqual([])
      expect(run.outputs.result).toBe('failed')
      expect(errorOf(run)).toMatch(
        /nginx still routes to the NEW version on \w+ :\d+: the nginx include was restored, but 'nginx -t' failed/
      )
      expect(errorOf(run)).toMatch(/Both the new version and the old version on \w+ :\d+ are left running, and nothing was stopped/)
      expect(runningJarSlots('safe')).toHaveLength(2)
      expect(await f.servedVersion()).toBe('v2')
      // The include file no longer says what nginx has loaded, so the post step must not act on it.
      const post = await runAction(inputs, { state: run.state })
      expect(post.code).toBe(0)
      expect(post.summary).toBe('')
      expect(runningJarSlots('safe')).toHaveLength(2)
    } finally {
      rmSync(broken, { force: true })
    }
    // As the error says: the configuration is fixed and nginx reloaded, then the next deploy succeeds.
    expect((await f.lab.sshExec(`sudo -n ${f.lab.nginxReloadCommand}`)).code).toBe(0)
    await f.recovers('v3')
  })
})
