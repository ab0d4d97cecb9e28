/**
 * The before-switch and after-switch hooks end to end (jar mode): they run on the real lab server, under load
 * through nginx, and a failing or hanging before-switch hook rolls back with no failed request.
 */
import { startLab } from '../../lab/lab.mjs'
import { errorOf, failureLab, type FailureLab } from '../support/failure-lab.js'
import { isAlive, waitForExit } from '../support/processes.js'

let f: FailureLab
const SECRET = 'hook-secret-4711'

beforeAll(async () => {
  f = failureLab(await startLab({ name: 'hooks' }), 'hooks')
  const first = await f.underLoad(await f.inputs('v0'))
  expect(first.run.outputs.result).toBe('deployed')
})
afterAll(() => f?.lab.stop())

async function hookInputs(version: string, hooks: Record<string, string>): Promise<Record<string, string>> {
  const inputs = await f.inputs(version, hooks)
  return { ...inputs, env: `${inputs.env}\nHOOK_SECRET=${SECRET}` }
}

/** The port nginx routes to, as the last successful deploy said. */
let activePort = 0

/** The idle slot's port: where a failed deploy's new version ran. */
function idlePort(): number {
  return f.lab.ports.find(port => port !== activePort)!
}

async function answers(port: number): Promise<boolean> {
  return f.lab
    .httpGet(`http://127.0.0.1:${port}/version`, { timeoutMs: 2000 })
    .then(() => true)
    .catch(() => false)
}

describe('before-switch hook', () => {
  it('sees the new version on BLUEGREEN_PORT while nginx still serves the old one, and the deploy goes on', async () => {
    const show =
      'echo "port=$BLUEGREEN_PORT color=$BLUEGREEN_COLOR" ' +
      `"new=$(curl -fsS "$BLUEGREEN_URL/version") live=$(curl -fsS ${f.lab.nginxUrl}/version)" ` +
      '"previous=$BLUEGREEN_PREVIOUS_PORT command=$BLUEGREEN_COMMAND secret=$HOOK_SECRET"; ' +
      'test "$PWD" = "$BLUEGREEN_DIR" && test -f "$BLUEGREEN_JAR" && echo "jar found in $PWD"'
    const { run, failed } = await f.underLoad(await hookInputs('v1', { 'before-switch': `sh -c '${show}'` }))
    expect(failed).toEqual([])
    expect(errorOf(run)).toBe('')
    const { outputs } = run
    expect(outputs.result).toBe('deployed')
    const slot = `port=${outputs['active-port']} color=${outputs['active-color']}`
    expect(run.summary).toContain(`${slot} new=v1 live=v0 previous=${outputs['previous-port']} command=deploy secret=***`)
    expect(run.summary).toContain(`jar found in ${f.lab.remoteRoot}/hooks`)
    expect(run.summary).toMatch(/<h3>before-switch hook: ✅ exit code 0 \(/)
    expect(run.summary).not.toContain(SECRET)
    expect(run.stdout).toMatch(
      /::group::Run before-switch hook\n(?:(?!::endgroup::)[\s\S])*Output of the before-switch hook \(exit code 0\)\n[\s\S]*new=v1 live=v0[\s\S]*?::endgroup::/
    )
    // Ordered like a runbook: health check, hook, switch.
    const steps = [...run.summary.matchAll(/<tr><td>([^<]+)<\/td><td>✅ ok/g)].map(match => match[1])
    expect(steps.slice(steps.indexOf('Health check'), steps.indexOf('Switch nginx') + 1)).toEqual([
      'Health check',
      'Run before-switch hook',
      'Switch nginx'
    ])
    expect(await f.servedVersion()).toBe('v1')
    f.live = 'v1'
    activePort = Number(outputs['active-port'])
  })

  it('rolls back when it fails: nginx untouched, the old version served throughout, the new one stopped', async () => {
    const before = await f.includeText()
    const { run, failed } = await f.underLoad(
      await hookInputs('v2', { 'before-switch': `sh -c 'echo "applying V42"; echo "ERROR: V42 failed" >&2; exit 3'` })
    )
    expect(failed).toEqual([])
    expect(run.outputs.result).toBe('failed')
    expect(errorOf(run)).toMatch(/^The before-switch hook \(sh -c .*\) failed with exit code 3: applying V42\nERROR: V42 failed\n/)
    expect(errorOf(run)).toMatch(
      /Server state: The live version \(\w+ :\d+\) kept serving and still does; the new version on \w+ :\d+ was stopped\./
    )
    expect(run.summary).toMatch(
      /<h3>before-switch hook: ❌ exit code 3 \([^)]*\)<\/h3>\n<p><code>[^<]*<\/code><\/p>\n\n<details>\n<summary>Output \(last lines\)<\/summary>\n\n<pre>applying V42\nERROR: V42 failed<\/pre>/
    )
    expect(run.summary).not.toContain('Switch nginx')
    expect(await f.includeText()).toBe(before)
    expect(await f.servedVersion()).toBe('v1')
    expect(await answers(idlePort())).toBe(false)
  })

  it('is stopped with what it started when it hangs past hook-timeout, and the deploy rolls back', async () => {
    const { run, failed } = await f.underLoad(
      await hookInputs('v3', {
        'before-switch': `sh -c 'echo "waiting for a lock"; sleep 600 & echo $! > hung.pid; wait'`,
        'hook-timeout': '2s'
      })
    )
    expect(failed).toEqual([])
    expect(errorOf(run)).toMatch(/^The before-switch hook did not finish within 2 s and was stopped: waiting for a lock\n/)
    expect(errorOf(run)).toMatch(/raise 'hook-timeout'/)
    expect(run.summary).toMatch(/<h3>before-switch hook: ❌ timed out/)
    const hung = Number((await f.lab.sshExec(`cat ${f.lab.remoteRoot}/hooks/hung.pid`)).stdout)
    expect(hung).toBeGreaterThan(1)
    await waitForExit(hung, 5000)
    expect(isAlive(hung)).toBe(false)
    expect(await f.servedVersion()).toBe('v1')
    expect(await answers(idlePort())).toBe(false)
  })
})

describe('after-switch hook', () => {
  it('runs once traffic has moved and the deploy is recorded', async () => {
    const show = `echo "through nginx: $(curl -fsS ${f.lab.nginxUrl}/version) previous=$BLUEGREEN_PREVIOUS_COLOR hook=$BLUEGREEN_HOOK"`
    const { run, failed } = await f.underLoad(await hookInputs('v4', { 'after-switch': `sh -c '${show}'` }))
    expect(failed).toEqual([])
    expect(run.outputs.result).toBe('deployed')
    expect(run.summary).toContain(`through nginx: v4 previous=${run.outputs['previous-color']} hook=after-switch`)
    const steps = [...run.summary.matchAll(/<tr><td>([^<]+)<\/td><td>✅ ok/g)].map(match => match[1])
    expect(steps.slice(-2)).toEqual(['Record state', 'Run after-switch hook'])
    f.live = 'v4'
    activePort = Number(run.outputs['active-port'])
  })

  it('fails the run when it fails, but the new version keeps serving', async () => {
    const { run, failed } = await f.underLoad(await hookInputs('v5', { 'after-switch': `sh -c 'echo "chat unreachable"; exit 1'` }))
    expect(failed).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'failed', 'active-port': String(idlePort()) })
    expect(errorOf(run)).toMatch(/^The after-switch hook \(.*\) failed with exit code 1: chat unreachable\n/)
    expect(errorOf(run)).toMatch(
      /Server state: Traffic had moved: nginx routes to the new version on \w+ :\d+, which serves, and the deploy is recorded/
    )
    expect(await f.servedVersion()).toBe('v5')
    const state = JSON.parse((await f.lab.sshExec(`cat ${f.lab.remoteRoot}/hooks/state.json`)).stdout)
    expect(state.active).toMatchObject({ port: idlePort(), release: run.outputs.release })
  })
})
