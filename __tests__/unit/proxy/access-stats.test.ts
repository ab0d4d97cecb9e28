import { DeployError } from '../../../src/errors.js'
import { bucketMs, parseAccessLogSize, parseAccessLogStats, percentileMs, statsFor } from '../../../src/proxy/access-stats.js'

const OUTPUT = `range 100 5000
server 10.0.0.1:8080 10 1 15:4 51:6
server 10.0.0.2:8080 30 3 0:2 81:28
server [::1]:8081 5 5
server unix:/run/app.sock 2 0 226:2
`

describe('parseAccessLogStats', () => {
  it('reads the range and every server line', () => {
    const parsed = parseAccessLogStats(OUTPUT)
    expect(parsed.from).toBe(100)
    expect(parsed.to).toBe(5000)
    expect([...parsed.servers.keys()]).toEqual(['10.0.0.1:8080', '10.0.0.2:8080', '[::1]:8081', 'unix:/run/app.sock'])
    expect(parsed.servers.get('10.0.0.1:8080')).toEqual({
      attempts: 10,
      errors: 1,
      latency: new Map([
        [15, 4],
        [51, 6]
      ])
    })
    expect(parsed.servers.get('[::1]:8081')).toEqual({ attempts: 5, errors: 5, latency: new Map() })
  })

  it('reads an empty range, and refuses output without one', () => {
    expect(parseAccessLogStats('range 0 0\n')).toEqual({ from: 0, to: 0, servers: new Map() })
    expect(() => parseAccessLogStats('sh: awk: not found\n')).toThrow(DeployError)
  })
})

describe('parseAccessLogSize', () => {
  it('reads the number, and refuses anything else', () => {
    expect(parseAccessLogSize('  81920\n')).toBe(81920)
    expect(() => parseAccessLogSize('wc: /x: Permission denied\n')).toThrow("Could not read the size of the canary's access log")
  })
})

describe('bucketMs', () => {
  it("is the one whole millisecond a narrow bucket holds, else the bucket's geometric middle; 0 for bucket 0", () => {
    expect(bucketMs(0)).toBe(0)
    expect(bucketMs(1)).toBe(1)
    expect(bucketMs(15)).toBe(2)
    expect(bucketMs(51)).toBe(12)
    expect(bucketMs(81)).toBe(50.8)
    expect(bucketMs(226)).toBe(bucketMs(300))
    expect(bucketMs(226)).toBeGreaterThan(58_000)
  })
})

describe('percentileMs', () => {
  it('takes the nearest rank: the smallest bucket that holds that share of the attempts', () => {
    const latency = new Map([
      [81, 5],
      [15, 90],
      [51, 5]
    ])
    expect(percentileMs(latency, 0.5)).toBe(2)
    expect(percentileMs(latency, 0.9)).toBe(2)
    expect(percentileMs(latency, 0.91)).toBe(12)
    expect(percentileMs(latency, 0.95)).toBe(12)
    expect(percentileMs(latency, 0.96)).toBe(50.8)
    expect(percentileMs(new Map([[51, 1]]), 0.95)).toBe(12)
    expect(percentileMs(new Map(), 0.5)).toBeNull()
  })
})

describe('statsFor', () => {
  const parsed = parseAccessLogStats(OUTPUT)

  it('sums a group of servers and merges their histograms', () => {
    expect(statsFor(parsed, ['10.0.0.1:8080', '10.0.0.2:8080'])).toEqual({
      requests: 40,
      errors: 4,
      errorRate: 0.1,
      p50Ms: 50.8,
      p95Ms: 50.8
    })
    expect(statsFor(parsed, ['10.0.0.1:8080'])).toEqual({ requests: 10, errors: 1, errorRate: 0.1, p50Ms: 12, p95Ms: 12 })
  })

  it('counts a server named twice once, and a server missing from the log as no traffic', () => {
    expect(statsFor(parsed, ['10.0.0.1:8080', '10.0.0.1:8080', '10.0.0.9:8080'])).toEqual(statsFor(parsed, ['10.0.0.1:8080']))
    expect(statsFor(parsed, ['10.0.0.9:8080'])).toEqual({ requests: 0, errors: 0, errorRate: 0, p50Ms: null, p95Ms: null })
  })

  it('has no percentiles for servers whose attempts logged no response time', () => {
    expect(statsFor(parsed, ['[::1]:8081'])).toEqual({ requests: 5, errors: 5, errorRate: 1, p50Ms: null, p95Ms: null })
  })
})
