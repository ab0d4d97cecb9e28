import type { TrafficStats } from '../../../src/outcome.js'
import { judgeStep, type GateLimits } from '../../../src/strategy/canary-gate.js'

const LIMITS: GateLimits = { maxErrorRate: 0.05, maxLatencyRatio: 1.5, latencyAllowanceMs: 50 }

function traffic(requests: number, errors: number, p95Ms: number | null, p50Ms = p95Ms): TrafficStats {
  return { requests, errors, errorRate: requests ? errors / requests : 0, p50Ms, p95Ms }
}

describe('judgeStep', () => {
  it('passes a healthy canary within the limits', () => {
    expect(judgeStep(traffic(200, 2, 120), traffic(800, 4, 100), true, LIMITS)).toEqual({ passed: true, reasons: [], notes: [] })
  })

  it('fails on the error rate, with the numbers of both groups', () => {
    expect(judgeStep(traffic(200, 62, 100), traffic(800, 3, 100), true, LIMITS)).toEqual({
      passed: false,
      reasons: ['canary error rate 31.0% (62 of 200) is above canary-max-error-rate 5%, while the stable servers had 0.4% (3 of 800)'],
      notes: []
    })
    const noStable = judgeStep(traffic(10, 1, 100), traffic(0, 0, null), true, LIMITS)
    expect(noStable.reasons).toEqual([
      'canary error rate 10.0% (1 of 10) is above canary-max-error-rate 5%, while the stable servers had no requests'
    ])
  })

  it('allows exactly the maximum error rate, and a rate of 0 allows none', () => {
    expect(judgeStep(traffic(200, 10, 100), traffic(800, 0, 100), true, LIMITS).passed).toBe(true)
    const strict = { ...LIMITS, maxErrorRate: 0 }
    expect(judgeStep(traffic(1000, 1, 100), traffic(800, 0, 100), true, strict).reasons).toEqual([
      'canary error rate 0.1% (1 of 1000) is above canary-max-error-rate 0%, while the stable servers had 0.0% (0 of 800)'
    ])
  })

  it('fails on latency only when the canary is both more than the ratio and more than the allowance slower', () => {
    expect(judgeStep(traffic(200, 0, 420.3), traffic(800, 0, 212), true, LIMITS)).toEqual({
      passed: false,
      reasons: [
        "canary p95 latency 420.3 ms is above canary-max-latency-ratio 1.5 × the stable servers' p95 212 ms, and 208.3 ms slower, above canary-latency-allowance 50 ms"
      ],
      notes: []
    })
    // Three times slower, but by 8 ms: noise on a fast, idle app.
    expect(judgeStep(traffic(200, 0, 12), traffic(800, 0, 4), true, LIMITS).passed).toBe(true)
    // 100 ms slower, but within the ratio.
    expect(judgeStep(traffic(200, 0, 1100), traffic(800, 0, 1000), true, LIMITS).passed).toBe(true)
    expect(judgeStep(traffic(200, 0, 80), traffic(800, 0, 0), true, LIMITS).reasons).toHaveLength(1)
  })

  it('fails an unhealthy canary, whatever its traffic', () => {
    expect(judgeStep(traffic(200, 0, 100), traffic(800, 0, 100), false, LIMITS)).toEqual({
      passed: false,
      reasons: ["the canary's health check did not answer healthy at the end of the step"],
      notes: []
    })
  })

  it('gives every reason when several limits are broken', () => {
    const verdict = judgeStep(traffic(100, 50, 900), traffic(100, 0, 100), false, LIMITS)
    expect(verdict.reasons.map(reason => reason.split(' ').slice(0, 3).join(' '))).toEqual([
      "the canary's health",
      'canary error rate',
      'canary p95 latency'
    ])
  })

  it('without canary requests judges health only, and says so', () => {
    const none = traffic(0, 0, null)
    expect(judgeStep(none, traffic(800, 0, 100), true, LIMITS)).toEqual({
      passed: true,
      reasons: [],
      notes: ['nginx sent no requests to the canary during the step: its error rate and latency were not judged']
    })
    expect(judgeStep(none, traffic(800, 0, 100), false, LIMITS).passed).toBe(false)
  })

  it('says when there were no response times to compare', () => {
    expect(judgeStep(traffic(5, 0, null), traffic(800, 0, 100), true, LIMITS).notes).toEqual([
      'no response times were logged for the canary: its latency was not judged'
    ])
    expect(judgeStep(traffic(5, 0, 100), traffic(0, 0, null), true, LIMITS).notes).toEqual([
      'the stable servers had no response times to compare with: latency was not judged'
    ])
  })
})
