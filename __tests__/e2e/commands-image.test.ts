/** rollback and status in image mode: back to the previous image by digest, with zero failed requests. */
import { startLoad, TEST_LOAD } from '../../bench/load.mjs'
import { startLab, type BuiltImage, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'

let lab: Lab
const images: Record<string, BuiltImage> = {}

beforeAll(async () => {
  lab = await startLab({ name: 'commands-image', images: true })
  for (const version of ['v1', 'v2', 'v3']) images[version] = await lab.docker!.buildImage(version)
})
afterAll(() => lab?.stop())

function inputs(overrides: Record<string, string>): Record<string, string> {
  const docker = lab.docker!
  return {
    ...labInputs(lab, 'shop'),
    'docker-command': docker.command,
    'registry-username': docker.registryUser,
    'registry-password': docker.registryPassword,
    'stop-timeout': '3s',
    ...overrides
  }
}

async function served(): Promise<string> {
  return (await lab.httpGet(`${lab.nginxUrl}/version`)).body.trim()
}

describe('commands (image mode)', () => {
  it('rolls back to the previous image, kept on the server, with zero failed requests', async () => {
    expect((await runAction(inputs({ image: images.v1.ref }))).outputs.result).toBe('deployed')
    expect((await runAction(inputs({ image: images.v2.ref }))).outputs.result).toBe('deployed')
    const load = startLoad(lab.nginxUrl, TEST_LOAD)
    const run = await runAction(inputs({ command: 'rollback' }))
    const failed = (await load.stop()).filter(sample => sample.status !== 200)
    expect(run.stdout).not.toContain('::error::')
    expect(failed).toEqual([])
    expect(run.outputs.release).toBe(images.v1.digest)
    expect(run.summary).toMatch(/Pull image<\/td><td>✅ ok<\/td><td>[^<]*<\/td><td>[^<]*is kept on the server, not pulled again/)
    expect(await served()).toBe('v1')
  })

  it("rolls back to a kept image chosen by tag with 'release'", async () => {
    const run = await runAction(inputs({ command: 'rollback', release: 'v2' }))
    expect(run.outputs.release).toBe(images.v2.digest)
    expect(await served()).toBe('v2')
  })

  it('reports status with the kept images and the history', async () => {
    const run = await runAction(inputs({ command: 'status' }))
    expect(run.outputs).toMatchObject({ result: 'ok', release: images.v2.digest, healthy: 'true' })
    const releases = JSON.parse(run.outputs.releases) as { release: string; label: string }[]
    expect(releases.map(r => r.label).sort()).toEqual(['v1', 'v2'])
    const history = JSON.parse(run.outputs.history) as { command: string; release: string }[]
    expect(history.map(h => h.command)).toEqual(['deploy', 'deploy', 'rollback', 'rollback'])
  })
})
