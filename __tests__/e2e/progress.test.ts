/** A jar upload that takes longer than 5 s (16 MB through a WAN link capped at 8 Mbit/s) logs its progress. */
import { join } from 'node:path'
import { buildFatJar } from '../../lab/fat-jar.mjs'
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'

let lab: Lab

beforeAll(async () => {
  lab = await startLab({ name: 'progress', wan: { rttMs: 10, mbit: 8 } })
})
afterAll(() => lab?.stop())

it('logs bytes sent, rate and time left while the jar uploads', async () => {
  const jar = await buildFatJar('v1', join(lab.dir, 'jars'), { sizeMb: 16 })
  const run = await runAction({ ...labInputs(lab, 'progressapp'), jar })
  expect(run.outputs.result).toBe('deployed')
  expect(run.stdout).toMatch(/^Uploading the jar: [\d.]+ MiB of [\d.]+ MiB \(\d+%\), [\d.]+ [KM]iB\/s, about \d+ s left$/m)
})
