/** rollback, redeploy and status in jar mode, end to end, with load through nginx during the switches. */
import { startLab } from '../../lab/lab.mjs'
import { runAction } from '../../lab/run-action.mjs'
import { errorOf, failureLab, type FailureLab } from '../support/failure-lab.js'

let f: FailureLab
const sha: Record<string, string> = {}

beforeAll(async () => {
  f = failureLab(await startLab({ name: 'commands-jar' }), 'cmd')
})
afterAll(() => f?.lab.stop())

async function command(name: string, overrides: Record<string, string> = {}) {
  const inputs = { ...(await f.inputs('v1')), command: name, jar: '', ...overrides }
  return f.underLoad(inputs)
}

async function appPid(color: 'blue' | 'green'): Promise<string> {
  return (await f.lab.sshExec(`cat ${f.lab.remoteRoot}/cmd/slots/${color}/app.pid`)).stdout.trim()
}

describe('commands (jar mode)', () => {
  it('rollback with nothing to roll back to says so', async () => {
    const first = await f.underLoad(await f.inputs('v1'))
    sha.v1 = first.run.outputs.release
    const { run } = await command('rollback')
    expect(errorOf(run)).toMatch(
      /Nothing to roll back to: the server records no previous release of cmd\.\nServer state: Nothing was changed/
    )
    expect(errorOf(run)).toContain(`kept: ${sha.v1.slice(0, 12)}`)
  })

  it('rolls back to the previous release with zero failed requests', async () => {
    const second = await f.underLoad(await f.inputs('v2'))
    sha.v2 = second.run.outputs.release
    expect(await f.servedVersion()).toBe('v2')
    const { run, failed } = await command('rollback')
    expect(errorOf(run)).toBe('')
    expect(failed).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'deployed', release: sha.v1, 'active-color': 'blue', 'previous-color': 'green' })
    expect(run.summary).toContain('rolled back on')
    expect(run.summary).toMatch(/Upload release<\/td><td>✅ ok<\/td><td>[^<]*<\/td><td>kept on the server/)
    expect(await f.servedVersion()).toBe('v1')
  })

  it('with keep-previous, rolls back instantly to the version still running', async () => {
    const third = await f.underLoad(await f.inputs('v3', { 'keep-previous': '5m' }))
    sha.v3 = third.run.outputs.release
    expect(third.run.summary).toMatch(/Keep old version \(blue\) for 300 s/)
    const keptPid = await appPid('blue')
    expect(keptPid).not.toBe('')
    const { run, failed } = await command('rollback', { 'keep-previous': '5m' })
    expect(failed).toEqual([])
    expect(run.outputs).toMatchObject({ release: sha.v1, 'active-color': 'blue' })
    expect(run.summary).toContain('still running (keep-previous): switching back without a restart')
    expect(await appPid('blue')).toBe(keptPid)
    expect(await f.servedVersion()).toBe('v1')
  })

  it("rolls back to an older kept release chosen with 'release'", async () => {
    const { run, failed } = await command('rollback', { release: sha.v2.slice(0, 10) })
    expect(failed).toEqual([])
    expect(run.outputs.release).toBe(sha.v2)
    expect(await f.servedVersion()).toBe('v2')
  })

  it('refuses a release that is not kept, listing what is', async () => {
    const { run } = await command('rollback', { release: 'deadbeef' })
    expect(errorOf(run)).toMatch(/Release 'deadbeef' is not kept on the server \(kept: [0-9a-f]{12}/)
  })

  it('redeploys the live release with a changed env, without uploading', async () => {
    const { run, failed } = await command('redeploy', { env: 'BOOT_DELAY_MS=300\nGREETING=changed' })
    expect(failed).toEqual([])
    expect(run.outputs.release).toBe(sha.v2)
    expect(run.summary).toContain('kept on the server')
    expect((await f.lab.httpGet(`${f.lab.nginxUrl}/env/GREETING`)).body.trim()).toBe('changed')
  })

  it('stops the kept previous version when keep-previous runs out', async () => {
    const { run } = await f.underLoad(await f.inputs('v4', { 'keep-previous': '1s' }))
    const old = run.outputs['previous-color'] as 'blue' | 'green'
    const pid = await appPid(old)
    let alive = true
    for (let i = 0; i < 100 && alive; i++) {
      await new Promise(resolve => setTimeout(resolve, 200))
      alive = (await f.lab.sshExec(`kill -0 ${pid} && ! grep -q '^State:.*Z' /proc/${pid}/status`)).code === 0
    }
    expect(alive).toBe(false)
    expect(await f.servedVersion()).toBe('v4')
    await f.underLoad({ ...(await f.inputs('v2')) }) // back to v2 for the status check
  })

  it('reports status: live slot, health, kept releases and history', async () => {
    const run = await runAction({ ...(await f.inputs('v1')), command: 'status', jar: '' })
    expect(run.outputs).toMatchObject({ result: 'ok', release: sha.v2, healthy: 'true', 'active-port': expect.stringMatching(/^\d+$/) })
    const history = JSON.parse(run.outputs.history) as { command: string; result: string; release: string }[]
    expect(history.map(h => `${h.command}:${h.result}`)).toEqual([
      'deploy:deployed',
      'rollback:failed',
      'deploy:deployed',
      'rollback:rolled-back',
      'deploy:deployed',
      'rollback:rolled-back',
      'rollback:rolled-back',
      'rollback:failed',
      'redeploy:redeployed',
      'deploy:deployed',
      'deploy:deployed'
    ])
    const releases = JSON.parse(run.outputs.releases) as { release: string }[]
    expect(releases.map(r => r.release)).toEqual(expect.arrayContaining([sha.v2]))
    expect(releases.length).toBeLessThanOrEqual(3) // keep-releases
    expect(run.summary).toContain('Status of cmd on 127.0.0.1')
    expect(run.summary).toMatch(/<summary><strong>History \(newest first\)<\/strong> \(\d+ entr(?:y|ies)\)<\/summary>/)
  })
})
