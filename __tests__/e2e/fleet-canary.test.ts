/** Canary across two app hosts: nginx weights move traffic step by step, judged from nginx's own access log. */
import { startFleetLab, type FleetLab } from '../../lab/fleet-lab.mjs'
import type { CanaryStep } from '../../src/outcome.js'
import { errorOf } from '../support/failure-lab.js'
import { fleetInputs, includeText, servedVersions, underLoad, versionOn } from '../support/fleet.js'

let lab: FleetLab
const jars: Record<string, string> = {}

beforeAll(async () => {
  lab = await startFleetLab({ name: 'fleet-canary', appHosts: 2 })
  for (const version of ['v1', 'v2', 'v3']) jars[version] = await lab.sampleJar(version)
})
afterAll(() => lab?.stop())

// A fresh JVM answers its first requests more slowly than a warm one on this shared 2-core machine: these tests judge
// the error rate, so the latency limit only has to let a cold start through (the gate's latency rule has unit tests).
const canaryInputs = (jar: string, overrides: Record<string, string> = {}) =>
  fleetInputs(lab, 'pay', {
    jar,
    strategy: 'canary',
    'canary-steps': '20,50,100',
    'canary-interval': '3s',
    'canary-max-error-rate': '5%',
    'canary-latency-allowance': '500ms',
    ...overrides
  })

describe('canary across hosts', () => {
  it('raises the share step by step to 100%, judging each step, without losing a request', async () => {
    const first = await underLoad(lab, canaryInputs(jars.v1))
    expect(errorOf(first.run)).toBe('')
    expect(first.run.summary).toContain('no stable version to compare a canary with')

    const run = await underLoad(lab, canaryInputs(jars.v2))
    expect(errorOf(run.run)).toBe('')
    expect(run.failed).toEqual([])
    const steps = JSON.parse(run.run.outputs['canary-steps']) as CanaryStep[]
    expect(steps.map(step => [step.share, step.passed])).toEqual([
      [20, true],
      [50, true]
    ])
    for (const step of steps) {
      expect(step.canary.requests).toBeGreaterThan(0)
      expect(step.stable.requests).toBeGreaterThan(0)
      expect(step.canary.errors).toBe(0)
    }
    // The share moved: the canary took a larger part of the requests at 50% than at 20%.
    const part = (step: CanaryStep) => step.canary.requests / (step.canary.requests + step.stable.requests)
    expect(part(steps[1])).toBeGreaterThan(part(steps[0]))
    expect(await servedVersions(lab)).toEqual(['v2'])
    const text = await includeText(lab)
    expect(text).not.toMatch(/weight=|access_log/)
    expect(run.run.summary).toContain('Canary steps')
  })

  it('takes the canary out and stops it when its error rate trips the gate, with the numbers', async () => {
    const before = JSON.parse((await underLoad(lab, fleetInputs(lab, 'pay', { command: 'status' }))).run.outputs.hosts) as {
      slot: { port: number }
    }[]
    const run = await underLoad(lab, canaryInputs(jars.v3, { env: 'BOOT_DELAY_MS=300\nERROR_RATE=0.5' }))
    expect(run.run.code).toBe(1)
    expect(errorOf(run.run)).toMatch(
      /The canary failed its gate at 20% of the traffic: canary error rate \d+\.\d% \(\d+ of \d+\) is above canary-max-error-rate 5%/
    )
    const steps = JSON.parse(run.run.outputs['canary-steps']) as CanaryStep[]
    expect(steps).toHaveLength(1)
    expect(steps[0]).toMatchObject({ share: 20, passed: false })
    expect(steps[0].canary.errorRate).toBeGreaterThan(0.3)
    expect(steps[0].stable.errors).toBe(0)
    // Only requests the canary answered failed: none once it was out.
    expect(run.failed.every(sample => sample.version === 'v3')).toBe(true)
    expect(await servedVersions(lab)).toEqual(['v2'])
    expect(await includeText(lab)).not.toMatch(/weight=|access_log/)
    for (const [i, host] of before.entries()) {
      expect(await versionOn(lab, i, host.slot.port)).toBe('v2')
      expect(await versionOn(lab, i, host.slot.port === 8080 ? 8081 : 8080)).toBe('')
    }
    expect(run.run.summary).toContain('❌ failed')
  })
})
