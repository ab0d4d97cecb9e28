import { judge } from '../../../src/health/health.js'

describe('health verdict', () => {
  it('needs the expected status', () => {
    expect(judge(503, '{"status":"DOWN"}', 200)).toEqual({ ok: false, detail: 'HTTP 503, expected 200' })
  })
  it('needs status UP in a JSON body that has one', () => {
    expect(judge(200, '{"status":"UP"}', 200).ok).toBe(true)
    expect(judge(200, '{"status":"OUT_OF_SERVICE"}', 200)).toEqual({ ok: false, detail: 'HTTP 200 but status is OUT_OF_SERVICE' })
  })
  it('accepts any body without a status field', () => {
    expect(judge(200, 'OK', 200).ok).toBe(true)
    expect(judge(204, '', 204).ok).toBe(true)
  })
})
