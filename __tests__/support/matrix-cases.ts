/** The assertions every fault-matrix case makes, shared by the jar and the image matrix. */
import { startLoad, TEST_LOAD } from '../../bench/load.mjs'
import { runAction } from '../../lab/run-action.mjs'
import { BOUNDARIES, type Boundary } from '../../src/boundary.js'
import { errorOf } from './failure-lab.js'
import {
  FAULTS,
  colorOfPort,
  lockIsFree,
  newVersionServesAfter,
  routedAndRecorded,
  runCase,
  type CaseOutcome,
  type Fault,
  type MatrixTarget
} from './fault-matrix.js'

export const MATRIX: [Boundary, Fault][] = BOUNDARIES.flatMap(boundary => FAULTS.map(fault => [boundary, fault] as [Boundary, Fault]))

/**
 * Every boundary once, the faults taken in turn, so each fault meets about a third of the boundaries. For the
 * image mode: the fault handling is the same code as in jar mode, whose matrix runs every pair; what differs
 * is the runtime's start, stop and repair, which every boundary still exercises.
 */
export const MATRIX_ROTATED: [Boundary, Fault][] = BOUNDARIES.map((boundary, i) => [boundary, FAULTS[i % FAULTS.length]])

/** Two releases, deployed in turn; `live` is the one that serves. */
export class Releases {
  live = 'va'
  get next(): string {
    return this.live === 'va' ? 'vb' : 'va'
  }
}

export async function servedVersion(t: MatrixTarget): Promise<string> {
  const response = await t.lab.httpGet(`${t.lab.nginxUrl}/version`)
  expect(response.status).toBe(200)
  return response.body.trim()
}

export async function checkCase(t: MatrixTarget, releases: Releases, boundary: Boundary, fault: Fault): Promise<void> {
  const outcome = await runCase(t, boundary, fault, releases.next)
  try {
    await checkOutcome(t, releases, boundary, fault, outcome)
  } catch (error) {
    // The two runs' logs say what the action did; the assertion alone does not.
    console.log(`main step:\n${outcome.main.stdout}\npost step:\n${outcome.post.stdout}`)
    throw error
  }
  await recovers(t, releases)
}

async function checkOutcome(
  t: MatrixTarget,
  releases: Releases,
  boundary: Boundary,
  fault: Fault,
  { main, post, failed }: CaseOutcome
): Promise<void> {
  const version = releases.next
  expect(main.stdout).toContain(`[test] stopped at boundary ${boundary}`)
  expect(failed).toEqual([])
  if (fault === 'kill') expect(main.signal).toBe('SIGKILL')
  else expect(main.outputs.result).toBe(expectedResult(boundary, fault))
  if (fault === 'cut' && main.outputs.result === 'failed') {
    expect(errorOf(main)).toMatch(/SSH connection|connection was lost|Not connected/i)
    expect(main.summary).toMatch(/the run failed/)
  }
  expect(errorOf(post)).toBe('')
  expect(post.code).toBe(0)

  const expected = newVersionServesAfter(boundary) ? version : releases.live
  expect(await servedVersion(t)).toBe(expected)
  expect((await t.lab.httpGet(`${t.lab.nginxUrl}/actuator/health`)).status).toBe(200)
  const { routed, recorded } = await routedAndRecorded(t)
  expect(recorded).toBe(routed)
  expect(await t.running()).toEqual([colorOfPort(t, routed)])
  expect(await lockIsFree(t)).toBe(true)
  releases.live = expected
}

/** Once traffic moved, a cancel lets the run finish; before that it rolls back. A cut fails the run. */
function expectedResult(boundary: Boundary, fault: Fault): string {
  if (boundary === 'recorded') return 'deployed'
  if (fault === 'cancel') return newVersionServesAfter(boundary) ? 'deployed' : 'failed'
  return 'failed'
}

/** The next deploy succeeds under load and serves the next release. */
export async function recovers(t: MatrixTarget, releases: Releases): Promise<void> {
  const version = releases.next
  const load = startLoad(t.lab.nginxUrl, TEST_LOAD)
  const run = await runAction(await t.inputs(version))
  const failed = (await load.stop()).filter(sample => sample.status !== 200)
  expect(errorOf(run)).toBe('')
  expect(failed).toEqual([])
  expect(await servedVersion(t)).toBe(version)
  releases.live = version
}
