/**
 * The fault matrix in image mode: at every boundary between the deploy's steps, the SSH connection is
 * cut, the action is killed (its post step then runs), or the job is cancelled (one fault per boundary,
 * in turn; see MATRIX_ROTATED), under load through nginx.
 */
import { startLab, type BuiltImage, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'
import type { MatrixTarget } from '../support/fault-matrix.js'
import { startLoad, TEST_LOAD } from '../../bench/load.mjs'
import { STOP_AT_VARIABLE } from '../../src/boundary.js'
import { MATRIX_ROTATED, Releases, checkCase, recovers, servedVersion } from '../support/matrix-cases.js'

let lab: Lab
let t: MatrixTarget
const releases = new Releases()

beforeAll(async () => {
  lab = await startLab({ name: 'matrix-image', images: true })
  const docker = lab.docker!
  const images: Record<string, BuiltImage> = { va: await docker.buildImage('va'), vb: await docker.buildImage('vb') }
  const app = 'matriximg'
  t = {
    lab,
    app,
    remoteDir: `${lab.remoteRoot}/${app}`,
    inputs: async version => ({
      ...labInputs(lab, app),
      image: images[version].ref,
      'docker-command': docker.command,
      registry: docker.registry,
      'registry-username': docker.registryUser,
      'registry-password': docker.registryPassword,
      env: 'BOOT_DELAY_MS=300',
      'health-timeout': '30s',
      'drain-timeout': '10s',
      'stop-timeout': '3s'
    }),
    running: async () => {
      const format = '\'{{.Label "bluegreen.slot"}}\''
      const listed = await lab.sshExec(`${docker.command} ps --filter label=bluegreen.app=${app} --format ${format}`)
      return listed.stdout.split('\n').filter(Boolean).sort()
    }
  }
  // The first deploy starts from an empty server: nothing serves until it is done.
  expect((await runAction(await t.inputs('va'))).outputs.result).toBe('deployed')
  await recovers(t, releases)
})
afterAll(() => lab?.stop())

describe('fault matrix, image mode', () => {
  it.each(MATRIX_ROTATED)('stopped after %s, then %s: nothing lost, and the next deploy succeeds', async (boundary, fault) => {
    await checkCase(t, releases, boundary, fault)
  })

  it('the post step repairs with the mode the run used, even when its inputs name no image', async () => {
    // A rollback from the Actions tab names no image; its post step must still know that containers run.
    const inputs: Record<string, string> = { ...(await t.inputs(releases.next)), command: 'rollback' }
    delete inputs.image
    const load = startLoad(lab.nginxUrl, TEST_LOAD)
    const main = await runAction(inputs, {
      extraEnv: { [STOP_AT_VARIABLE]: 'started' },
      interrupt: { when: /stopped at boundary started\n/, signal: 'SIGKILL' }
    })
    const post = await runAction(inputs, { state: main.state })
    expect((await load.stop()).filter(sample => sample.status !== 200)).toEqual([])
    expect(post.code).toBe(0)
    expect(post.summary).toMatch(/Stop new version \(\w+\)<\/td><td>✅ ok/)
    expect(await servedVersion(t)).toBe(releases.live)
    expect(await t.running()).toHaveLength(1)
    await recovers(t, releases)
  })
})
