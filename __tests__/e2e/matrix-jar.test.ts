/**
 * The fault matrix in jar mode: at every boundary between the deploy's steps, the SSH connection is
 * cut, the action is killed (its post step then runs), or the job is cancelled, under load through nginx.
 */
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'
import { runningJarSlots, type MatrixTarget } from '../support/fault-matrix.js'
import { MATRIX, Releases, checkCase, recovers } from '../support/matrix-cases.js'

let lab: Lab
let t: MatrixTarget
const releases = new Releases()

beforeAll(async () => {
  lab = await startLab({ name: 'matrix-jar' })
  const jars = { va: await lab.sampleJar('va'), vb: await lab.sampleJar('vb') }
  const app = 'matrixjar'
  t = {
    lab,
    app,
    remoteDir: `${lab.remoteRoot}/${app}`,
    inputs: async version => ({
      ...labInputs(lab, app),
      jar: jars[version as keyof typeof jars],
      env: 'BOOT_DELAY_MS=300\nGRACEFUL=false',
      'health-timeout': '20s',
      'drain-timeout': '10s',
      'stop-timeout': '3s'
    }),
    running: async () => runningJarSlots(app)
  }
  // The first deploy starts from an empty server: nothing serves until it is done.
  expect((await runAction(await t.inputs('va'))).outputs.result).toBe('deployed')
  await recovers(t, releases)
})
afterAll(() => lab?.stop())

describe('fault matrix, jar mode', () => {
  it.each(MATRIX)('stopped after %s, then %s: nothing lost, and the next deploy succeeds', async (boundary, fault) => {
    await checkCase(t, releases, boundary, fault)
  })
})
