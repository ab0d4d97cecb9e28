import { judge } from '../../../src/health/health.js'

const rule = { expectStatus: 200, expectBody: '' }
const json = (status: unknown) => JSON.stringify({ status, components: {} })

describe('health verdict', () => {
  it('needs the expected status', () => {
    expect(judge(503, '{"status":"DOWN"}', rule)).toEqual({ ok: false, detail: 'HTTP 503, expected 200' })
    expect(judge(200, '{"status":"UP"}', { ...rule, expectStatus: 204 })).toEqual({ ok: false, detail: 'HTTP 200, expected 204' })
  })

  it.each(['UP', 'up', 'pass', 'PASS', 'warn', 'Warn', 'ok', 'OK', 'healthy', 'Healthy'])('accepts status %s', status => {
    expect(judge(200, json(status), rule)).toEqual({ ok: true, detail: `HTTP 200, status ${status}` })
  })

  it.each(['DOWN', 'down', 'OUT_OF_SERVICE', 'fail', 'FAIL', 'unhealthy', 'Unhealthy', 'error', 'ERROR'])('refuses status %s', status => {
    expect(judge(200, json(status), rule)).toEqual({ ok: false, detail: `HTTP 200 but status is ${status}` })
  })

  it('refuses a status it does not know, pointing at health-expect-body', () => {
    expect(judge(200, json('UNKNOWN'), rule)).toEqual({
      ok: false,
      detail:
        'HTTP 200 but status is UNKNOWN, not one known as healthy (UP, pass, warn, ok, healthy); set health-expect-body for another rule'
    })
    expect(judge(200, json(true), rule).ok).toBe(false)
  })

  it('decides by the status code alone when the body is not JSON or has no status', () => {
    expect(judge(200, 'OK', rule)).toEqual({ ok: true, detail: 'HTTP 200' })
    expect(judge(200, '{"state":"DOWN"}', rule)).toEqual({ ok: true, detail: 'HTTP 200' })
    expect(judge(200, '["DOWN"]', rule)).toEqual({ ok: true, detail: 'HTTP 200' })
    expect(judge(204, '', { ...rule, expectStatus: 204 })).toEqual({ ok: true, detail: 'HTTP 204' })
    expect(judge(503, 'OK', rule).ok).toBe(false)
  })

  it('with health-expect-body, the body must match it instead of the status rule', () => {
    const own = { expectStatus: 200, expectBody: '"state"\\s*:\\s*"green"' }
    expect(judge(200, '{"state": "green", "status": "DOWN"}', own)).toEqual({
      ok: true,
      detail: 'HTTP 200, body matches health-expect-body'
    })
    expect(judge(200, '{"state":\n  "red"}', own)).toEqual({
      ok: false,
      detail: 'HTTP 200 but the body does not match health-expect-body: {"state": "red"}'
    })
    expect(judge(503, '{"state":"green"}', own)).toEqual({ ok: false, detail: 'HTTP 503, expected 200' })
  })
})
