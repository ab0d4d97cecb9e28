/** The before-switch hook in image mode: it reaches the new container on the slot's host port and gets its image. */
import { startLab, type BuiltImage, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'
import { errorOf } from '../support/failure-lab.js'

let lab: Lab
const images: Record<string, BuiltImage> = {}

beforeAll(async () => {
  lab = await startLab({ name: 'hooks-image', images: true })
  for (const version of ['v1', 'v2', 'v3']) images[version] = await lab.docker!.buildImage(version)
  const first = await runAction(inputs('v1'))
  expect(errorOf(first)).toBe('')
})
afterAll(() => lab?.stop())

function inputs(version: string, overrides: Record<string, string> = {}): Record<string, string> {
  const docker = lab.docker!
  return {
    ...labInputs(lab, 'shop'),
    image: images[version].ref,
    'docker-command': docker.command,
    registry: docker.registry,
    'registry-username': docker.registryUser,
    'registry-password': docker.registryPassword,
    'health-timeout': '30s',
    'stop-timeout': '3s',
    ...overrides
  }
}

async function containers(): Promise<string[]> {
  const listed = await lab.sshExec(`${lab.docker!.command} ps -a --filter label=bluegreen.app=shop --format '{{.Names}} {{.State}}'`)
  return listed.stdout.split('\n').filter(Boolean).sort()
}

async function servedVersion(): Promise<string> {
  return (await lab.httpGet(`${lab.nginxUrl}/version`)).body.trim()
}

describe('hooks in image mode', () => {
  it('before-switch reaches the new container on BLUEGREEN_PORT and gets its image by digest', async () => {
    const show =
      `echo "port=$BLUEGREEN_PORT new=$(curl -fsS "$BLUEGREEN_URL/version") live=$(curl -fsS ${lab.nginxUrl}/version)" ` +
      '"image=$BLUEGREEN_IMAGE jar=$BLUEGREEN_JAR."'
    const run = await runAction(inputs('v2', { 'before-switch': `sh -c '${show}'` }))
    expect(errorOf(run)).toBe('')
    const repository = images.v2.ref.split(':').slice(0, -1).join(':')
    expect(run.summary).toContain(`port=${run.outputs['active-port']} new=v2 live=v1 image=${repository}@${images.v2.digest} jar=.`)
    expect(await servedVersion()).toBe('v2')
  })

  it('a failing before-switch rolls back: the new container is removed and the old one serves', async () => {
    const run = await runAction(inputs('v3', { 'before-switch': `sh -c 'echo "smoke test: GET /orders returned 500"; exit 1'` }))
    expect(run.outputs.result).toBe('failed')
    expect(errorOf(run)).toMatch(/^The before-switch hook \(.*\) failed with exit code 1: smoke test: GET \/orders returned 500\n/)
    expect(errorOf(run)).toMatch(/kept serving and still does; the new version on \w+ :\d+ was stopped\./)
    expect(run.summary).toContain('<pre>smoke test: GET /orders returned 500</pre>')
    expect(await servedVersion()).toBe('v2')
    expect(await containers()).toEqual([`shop-${run.outputs['active-color']} running`])
  })
})
