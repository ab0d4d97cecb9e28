/** Reads what commands/access-log.ts prints about the canary's access log, and sums it for a group of upstream servers. */
import { LATENCY_GROWTH, LATENCY_TOP_BUCKET } from '../commands/access-log.js'
import { DeployError } from '../errors.js'
import type { TrafficStats } from '../outcome.js'

/** One upstream server's attempts over the range that was read. */
export interface ServerTraffic {
  attempts: number
  errors: number
  /** Latency bucket (see LATENCY_GROWTH) → number of attempts with a response time in it. */
  latency: Map<number, number>
}

export interface AccessLogStats {
  /** The bytes of the log that were read: the next step reads from `to`. */
  from: number
  to: number
  /** By address as nginx writes it in $upstream_addr (`127.0.0.1:8080`, `[::1]:8080`, `unix:/path`). */
  servers: Map<string, ServerTraffic>
}

const RANGE = /^range (\d+) (\d+)$/
const SERVER = /^server (\S+) (\d+) (\d+)((?: \d+:\d+)*)$/

export function parseAccessLogSize(stdout: string): number {
  const size = stdout.trim()
  if (!/^\d+$/.test(size)) throw new DeployError(`Could not read the size of the canary's access log: ${JSON.stringify(size)}.`)
  return Number(size)
}

export function parseAccessLogStats(stdout: string): AccessLogStats {
  const lines = stdout.split('\n').map(line => line.trim())
  const range = lines.map(line => RANGE.exec(line)).find(match => match)
  if (!range) throw new DeployError(`Could not read the canary's access log: ${JSON.stringify(stdout.slice(0, 200))}.`)
  const servers = new Map<string, ServerTraffic>()
  for (const line of lines) {
    const match = SERVER.exec(line)
    if (match) servers.set(match[1], { attempts: Number(match[2]), errors: Number(match[3]), latency: histogram(match[4]) })
  }
  return { from: Number(range[1]), to: Number(range[2]), servers }
}

function histogram(text: string): Map<number, number> {
  const buckets = new Map<number, number>()
  for (const pair of text.trim().split(' ').filter(Boolean)) {
    const [bucket, count] = pair.split(':').map(Number)
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + count)
  }
  return buckets
}

/** The group's traffic: servers missing from the log had none. */
export function statsFor(parsed: AccessLogStats, addresses: string[]): TrafficStats {
  const group = [...new Set(addresses)].flatMap(address => parsed.servers.get(address) ?? [])
  const requests = sum(group.map(server => server.attempts))
  const errors = sum(group.map(server => server.errors))
  const latency = new Map<number, number>()
  for (const [bucket, count] of group.flatMap(server => [...server.latency])) latency.set(bucket, (latency.get(bucket) ?? 0) + count)
  return {
    requests,
    errors,
    errorRate: requests === 0 ? 0 : errors / requests,
    p50Ms: percentileMs(latency, 0.5),
    p95Ms: percentileMs(latency, 0.95)
  }
}

/** The nearest-rank percentile of a histogram, as its bucket's middle; null when it is empty. */
export function percentileMs(latency: Map<number, number>, fraction: number): number | null {
  const total = sum([...latency.values()])
  if (total === 0) return null
  const rank = Math.max(1, Math.ceil(fraction * total))
  let seen = 0
  for (const bucket of [...latency.keys()].sort((a, b) => a - b)) {
    seen += latency.get(bucket) ?? 0
    if (seen >= rank) return bucketMs(bucket)
  }
  return null
}

// Each bucket's lower bound in ms, multiplied out as the awk script does, so that both put a value in the same bucket.
const LOWER = [0, 1]
while (LOWER.length <= LATENCY_TOP_BUCKET + 1) LOWER.push(LOWER[LOWER.length - 1] * LATENCY_GROWTH)

/**
 * What a bucket stands for, in ms: nginx logs whole ms, so a bucket that holds one whole number is that number (all
 * below 20 ms); a wider one is its geometric middle, to 0.1 ms, within 2.5% of any time in it. Bucket 0 is 0 ms.
 */
export function bucketMs(bucket: number): number {
  const index = Math.max(0, Math.min(bucket, LATENCY_TOP_BUCKET))
  if (index === 0) return 0
  const [lower, upper] = [LOWER[index], LOWER[index + 1]]
  if (Math.ceil(upper) - Math.ceil(lower) === 1) return Math.ceil(lower)
  return Math.round(Math.sqrt(lower * upper) * 10) / 10
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0)
}
