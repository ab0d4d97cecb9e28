/**
 * Image pruning is per app instance: previews pushed many times with keep-images 1 never remove
 * production's live or previous image (both from the same repository), so a rollback still needs no pull.
 */
import { startLab, type BuiltImage, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'
import { previewInputs, runOnPullRequest, viaHost } from '../support/preview-lab.js'

const PORTS = '21100-21109'
let lab: Lab
const images: Record<string, BuiltImage> = {}

beforeAll(async () => {
  lab = await startLab({ name: 'preview-images', images: true })
  for (const version of ['v1', 'v2', 'p1', 'p2', 'p3']) images[version] = await lab.docker!.buildImage(version)
})
afterAll(() => lab?.stop())

function imageInputs(version: string, overrides: Record<string, string> = {}): Record<string, string> {
  const docker = lab.docker!
  return {
    image: images[version].ref,
    'docker-command': docker.command,
    registry: docker.registry,
    'registry-username': docker.registryUser,
    'registry-password': docker.registryPassword,
    'keep-images': '3',
    'health-timeout': '30s',
    'stop-timeout': '3s',
    ...overrides
  }
}

function production(version: string, overrides: Record<string, string> = {}) {
  return runAction({ ...labInputs(lab, 'shop'), ...imageInputs(version, overrides) })
}

function preview(number: number, version: string) {
  return runOnPullRequest(number, previewInputs(lab, PORTS, { ...imageInputs(version, { 'keep-images': '1' }), 'preview-max': '5' }))
}

async function imageExists(version: string): Promise<boolean> {
  const ref = `${images[version].ref.split(':').slice(0, -1).join(':')}@${images[version].digest}`
  return (await lab.sshExec(`${lab.docker!.command} image inspect --format '{{.Id}}' ${ref}`)).code === 0
}

describe('image pruning of previews', () => {
  it("keeps production's live and previous images while a preview prunes its own", async () => {
    for (const version of ['v1', 'v2']) expect((await production(version)).outputs.result).toBe('deployed')
    for (const version of ['p1', 'p2', 'p3']) {
      const run = await preview(1, version)
      expect(run.stdout).not.toContain('::error::')
      expect(run.outputs.result).toBe('deployed')
    }
    expect(await viaHost(lab, 'pr-1.preview.test', '/version')).toEqual({ status: 200, body: 'p3' })
    expect(await imageExists('v1')).toBe(true)
    expect(await imageExists('v2')).toBe(true)
    // the preview's own images beyond keep-images went: its live (p3) and previous (p2) stay
    expect([await imageExists('p1'), await imageExists('p2'), await imageExists('p3')]).toEqual([false, true, true])
  })

  it('rolls production back to its previous image without pulling it', async () => {
    const run = await runAction({
      ...labInputs(lab, 'shop'),
      ...imageInputs('v2', { 'registry-username': '', 'registry-password': '' }),
      command: 'rollback'
    })
    expect(run.stdout).not.toContain('::error::')
    expect(run.outputs).toMatchObject({ result: 'deployed', release: images.v1.digest })
    expect(run.summary).toContain('is kept on the server, not pulled again')
    // on the live slot's port: nginx's default server for the lab's address is now a preview's
    expect((await lab.httpGet(`http://127.0.0.1:${run.outputs['active-port']}/version`)).body.trim()).toBe('v1')
  })

  it("preview-destroy removes the preview's images but not one production still records", async () => {
    // production now runs v1 with v2 as its previous image; a preview of v2 is removed again
    expect((await preview(2, 'v2')).outputs.result).toBe('deployed')
    const run = await runOnPullRequest(2, previewInputs(lab, PORTS, { ...imageInputs('v2'), command: 'preview-destroy' }))
    expect(run.stdout).not.toContain('::error::')
    expect(await imageExists('v2')).toBe(true)
    const destroyOne = await runOnPullRequest(1, previewInputs(lab, PORTS, { ...imageInputs('p3'), command: 'preview-destroy' }))
    expect(destroyOne.stdout).not.toContain('::error::')
    expect([await imageExists('p2'), await imageExists('p3'), await imageExists('v1'), await imageExists('v2')]).toEqual([
      false,
      false,
      true,
      true
    ])
  })
})
