// Steady HTTP load through nginx: clients on a fast endpoint back to back, clients on a slow one,
// every request recorded. Keep-alive is off (one TCP connection per request, agent: false): nginx
// opens a new upstream connection per request anyway, and a reused client connection that an old
// nginx worker closes on reload would fail for reasons that have nothing to do with the deploy.
// An https:// base URL is served with the lab's self-signed certificates accepted; `serverName` sets SNI and Host.
import http from 'node:http'
import https from 'node:https'
import { sleep } from './util.mjs'

export const LOAD_DEFAULTS = {
  fastClients: 4,
  fastPath: '/version',
  slowClients: 2,
  slowMs: 5000,
  fastTimeoutMs: 5000,
  slowTimeoutMs: 15_000,
  // Without a pause a client facing a dead backend spins on instant 502s, so its failure count would
  // measure the loop speed rather than the time the service was down.
  pauseAfterFailureMs: 100,
  // Tests set a short pause between a fast client's requests: back to back, two clients take a whole
  // core from the deploy they watch, and a gap of a few ms still catches every refused connection.
  pauseBetweenMs: 0
}

/** The load every end-to-end test runs a deploy under: lighter than the benchmark's, on a machine shared with the deploy. */
export const TEST_LOAD = { fastClients: 2, slowClients: 1, slowMs: 1500, pauseBetweenMs: 10 }

/**
 * @typedef {{ kind: 'fast' | 'slow', start: number, end: number, status: number, version: string, error: string }} Sample
 */

/**
 * One GET; resolves (never rejects) with its timing and outcome.
 * @param {string} url @param {'fast' | 'slow'} kind @param {number} timeoutMs @param {string} [serverName]
 * @returns {Promise<Sample>}
 */
function request(url, kind, timeoutMs, serverName) {
  return new Promise(resolve => {
    const start = performance.now()
    let settled = false
    const finish = (/** @type {number} */ status, /** @type {string} */ version, /** @type {string} */ error) => {
      if (settled) return
      settled = true
      resolve({ kind, start, end: performance.now(), status, version, error })
    }
    const onResponse = (/** @type {http.IncomingMessage} */ res) => {
      const version = String(res.headers['x-app-version'] ?? '')
      res.on('data', () => {})
      res.on('end', () => finish(res.statusCode ?? 0, version, ''))
      res.on('error', e => finish(0, version, /** @type {any} */ (e).code ?? e.message))
      res.on('aborted', () => finish(0, version, 'response aborted'))
    }
    const options = { agent: false, timeout: timeoutMs, ...(serverName ? { headers: { Host: serverName } } : {}) }
    const req = url.startsWith('https:')
      ? https.get(url, { ...options, rejectUnauthorized: false, ...(serverName ? { servername: serverName } : {}) }, onResponse)
      : http.get(url, options, onResponse)
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })))
    req.on('error', e => finish(0, '', /** @type {any} */ (e).code ?? e.message))
  })
}

/**
 * Starts the clients; stop() lets each finish its current request (bounded by the timeouts) and
 * returns every sample.
 * @param {string} baseUrl e.g. http://127.0.0.1:PORT or https://198.18.0.10 (with serverName)
 * @param {Partial<typeof LOAD_DEFAULTS> & { serverName?: string }} [options]
 */
export function startLoad(baseUrl, options = {}) {
  const o = { ...LOAD_DEFAULTS, ...options }
  /** @type {Sample[]} */
  const samples = []
  let running = true
  const client = async (/** @type {'fast' | 'slow'} */ kind) => {
    const url = kind === 'fast' ? baseUrl + o.fastPath : `${baseUrl}/slow?ms=${o.slowMs}`
    const timeout = kind === 'fast' ? o.fastTimeoutMs : o.slowTimeoutMs
    while (running) {
      const s = await request(url, kind, timeout, o.serverName)
      samples.push(s)
      if (s.status !== 200) await sleep(o.pauseAfterFailureMs)
      else if (kind === 'fast' && o.pauseBetweenMs > 0) await sleep(o.pauseBetweenMs)
    }
  }
  const clients = [
    ...Array.from({ length: o.fastClients }, () => client('fast')),
    ...Array.from({ length: o.slowClients }, () => client('slow'))
  ]
  return {
    samples,
    async stop() {
      running = false
      await Promise.all(clients)
      return samples
    }
  }
}

/**
 * Metrics of one deploy under load. Times are performance.now() milliseconds.
 * @param {Sample[]} samples @param {{ deployStart: number, deployEnd: number, newVersion: string }} at
 */
export function analyse(samples, at) {
  const failed = (/** @type {Sample} */ s) => s.status !== 200
  const fast = samples.filter(s => s.kind === 'fast')
  const slow = samples.filter(s => s.kind === 'slow')
  const failedFast = fast.filter(failed)
  const failedSlow = slow.filter(failed)
  const downtimeMs = failedFast.length === 0 ? 0 : Math.max(...failedFast.map(s => s.end)) - Math.min(...failedFast.map(s => s.start))
  const firstNew = fast
    .filter(s => !failed(s) && s.version === at.newVersion && s.start >= at.deployStart)
    .reduce((min, s) => Math.min(min, s.end), Infinity)
  /** @type {Record<string, number>} */
  const reasons = {}
  for (const s of [...failedFast, ...failedSlow]) {
    const key = `${s.kind} ${s.status ? `HTTP ${s.status}` : s.error}`
    reasons[key] = (reasons[key] ?? 0) + 1
  }
  const rel = (/** @type {number} */ t) => Math.round(t - at.deployStart)
  return {
    requestsFast: fast.length,
    requestsSlow: slow.length,
    failedFast: failedFast.length,
    failedSlow: failedSlow.length,
    downtimeMs: Math.round(downtimeMs),
    switchMs: Number.isFinite(firstNew) ? Math.round(firstNew - at.deployStart) : null,
    deployMs: Math.round(at.deployEnd - at.deployStart),
    failureReasons: reasons,
    // A few failures with times relative to the deploy start, as evidence.
    failureSamples: [...failedFast.slice(0, 3), ...failedSlow.slice(0, 5)].map(s => ({
      kind: s.kind,
      startMs: rel(s.start),
      endMs: rel(s.end),
      status: s.status,
      version: s.version,
      error: s.error
    }))
  }
}
