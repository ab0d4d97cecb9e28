/** Polls the new version's health endpoint through the SSH tunnel until healthy or out of time. */
import { Agent, request } from 'undici'

/** What the health check asks for; read from the health-* inputs by settings/. */
export interface HealthSettings {
  path: string
  /** The slot port the check asks: the app port, or the management port (management-ports). */
  port: 'app' | 'management'
  /** Consecutive healthy answers needed before the switch. */
  checksRequired: number
  timeoutMs: number
  intervalMs: number
  expectStatus: number
  /** A regular expression the body must match, instead of the built-in JSON status rule; empty: the built-in rule. */
  expectBody: string
}

export interface HealthAttempt {
  /** Milliseconds since the health check began. */
  atMs: number
  status: number | null
  latencyMs: number
  ok: boolean
  detail: string
  /** Across hosts: which app host was asked. */
  host?: string
}

export interface HealthResult {
  healthy: boolean
  attempts: HealthAttempt[]
  /** Why it gave up, when not healthy. */
  reason: string
}

export interface HealthCheck {
  baseUrl: string
  settings: HealthSettings
  requiredSuccesses: number
  /** Asked after failed attempts (at most every 2 s) so a crashed app fails the check at once. */
  isAlive: () => Promise<boolean>
  onAttempt?: (attempt: HealthAttempt) => void
  /** Throws when the way to the server is gone (the SSH connection behind the tunnel), ending the check at once. */
  connected?: () => void
  /** Stops the polling early (the job was cancelled). */
  cancelled?: AbortSignal
  /** Host header to send (a server_name, when asking nginx); for https it is the TLS server name too. */
  host?: string
}

const FIRST_DELAY_MS = 100
const MAX_ATTEMPT_MS = 5_000

export async function waitHealthy(check: HealthCheck): Promise<HealthResult> {
  const started = Date.now()
  const deadline = started + check.settings.timeoutMs
  const attempts: HealthAttempt[] = []
  // Over https the check asks nginx on the server's own address, which no certificate names: only the answer counts.
  const agent = new Agent({ keepAliveTimeout: 2_000, connect: { timeout: MAX_ATTEMPT_MS, rejectUnauthorized: false } })
  let delay = FIRST_DELAY_MS
  let successes = 0
  let lastAliveCheck = 0
  try {
    while (Date.now() < deadline) {
      if (check.cancelled?.aborted) return { healthy: false, attempts, reason: 'the run was cancelled' }
      check.connected?.()
      const attempt = await probe(check, agent, started, Math.min(MAX_ATTEMPT_MS, deadline - Date.now()))
      attempts.push(attempt)
      check.onAttempt?.(attempt)
      successes = attempt.ok ? successes + 1 : 0
      if (successes >= check.requiredSuccesses) return { healthy: true, attempts, reason: '' }
      if (!attempt.ok && Date.now() - lastAliveCheck >= 2_000) {
        lastAliveCheck = Date.now()
        if (!(await check.isAlive())) return { healthy: false, attempts, reason: 'the new version exited before it became healthy' }
      }
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())))
      delay = Math.min(delay * 2, check.settings.intervalMs)
    }
  } finally {
    await agent.close()
  }
  const last = attempts.at(-1)
  return { healthy: false, attempts, reason: `not healthy within ${check.settings.timeoutMs} ms${last ? ` (last: ${last.detail})` : ''}` }
}

async function probe(check: HealthCheck, agent: Agent, started: number, timeoutMs: number): Promise<HealthAttempt> {
  const begin = Date.now()
  const atMs = begin - started
  try {
    const response = await request(check.baseUrl + check.settings.path, {
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      headers: { 'user-agent': 'bluegreen-ssh-deploy health check', ...(check.host ? { host: check.host } : {}) }
    })
    const body = (await response.body.text()).slice(0, 2_000)
    const verdict = judge(response.statusCode, body, check.settings)
    return { atMs, status: response.statusCode, latencyMs: Date.now() - begin, ok: verdict.ok, detail: verdict.detail }
  } catch (error) {
    return { atMs, status: null, latencyMs: Date.now() - begin, ok: false, detail: describeError(error) }
  }
}

const HEALTHY = ['up', 'pass', 'warn', 'ok', 'healthy']
const UNHEALTHY = ['down', 'out_of_service', 'fail', 'unhealthy', 'error']
const OWN_RULE = 'set health-expect-body for another rule'

export interface HealthRule {
  expectStatus: number
  /** A regular expression the body must match instead of the JSON status rule; empty: the JSON status rule. */
  expectBody: string
}

/**
 * The status code must match. Then either the body matches `expectBody`, or a JSON body's `status` is a healthy
 * word (Spring and MicroProfile UP, the IETF health-check draft's pass and warn, ok, healthy; any case). A body
 * that is not JSON or has no status passes on the status code alone.
 */
export function judge(status: number, body: string, rule: HealthRule): { ok: boolean; detail: string } {
  if (status !== rule.expectStatus) return { ok: false, detail: `HTTP ${status}, expected ${rule.expectStatus}` }
  if (rule.expectBody) {
    if (new RegExp(rule.expectBody).test(body)) return { ok: true, detail: `HTTP ${status}, body matches health-expect-body` }
    return {
      ok: false,
      detail: `HTTP ${status} but the body does not match health-expect-body: ${body.replace(/\s+/g, ' ').trim().slice(0, 100)}`
    }
  }
  const reported = jsonStatus(body)
  if (reported === undefined) return { ok: true, detail: `HTTP ${status}` }
  const word = reported.toLowerCase()
  if (HEALTHY.includes(word)) return { ok: true, detail: `HTTP ${status}, status ${reported}` }
  if (UNHEALTHY.includes(word)) return { ok: false, detail: `HTTP ${status} but status is ${reported}` }
  return {
    ok: false,
    detail: `HTTP ${status} but status is ${reported}, not one known as healthy (UP, pass, warn, ok, healthy); ${OWN_RULE}`
  }
}

function jsonStatus(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown
    if (parsed && typeof parsed === 'object' && 'status' in parsed) return String((parsed as { status: unknown }).status)
  } catch {
    // Not JSON: only the status code counts.
  }
  return undefined
}

function describeError(error: unknown): string {
  const err = error as { code?: string; message?: string }
  if (err.code === 'UND_ERR_SOCKET' || err.code === 'ECONNRESET') return 'connection refused or closed (not listening yet)'
  if (err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT') return 'no answer in time'
  return err.code ? `${err.code}: ${err.message}` : String(err.message ?? error)
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
