/**
 * Canary: the new version runs beside the stable one on every host, and nginx weights send it a rising share of
 * the traffic (canary-steps). Each share is held for canary-interval while nginx logs every proxied request; the
 * canary's error rate and latency are then judged against the stable version's over the same interval, and its
 * health endpoint is asked. A failed gate takes the canary out (weight 0), stops it, and fails with the numbers.
 */
import { accessLogDirectives, accessLogName, accessLogSize, accessLogStats } from '../commands/access-log.js'
import { removeFile } from '../commands/files.js'
import { DeployError, type ActionError } from '../errors.js'
import type { FleetRun, HostPlan } from '../fleet/fleet-context.js'
import {
  acrossHosts,
  drainOnHost,
  markHost,
  retireEverywhere,
  saveProgress,
  startEverywhere,
  stopNewOnHost,
  verify
} from '../fleet/host-steps.js'
import { liveRoute, targetRoute, to, upstreamInclude } from '../fleet/routes.js'
import { Route } from '../fleet/traffic.js'
import type { CanaryStep } from '../outcome.js'
import { parseAccessLogSize, parseAccessLogStats, statsFor } from '../proxy/access-stats.js'
import { runChecked } from '../ssh/remote.js'
import { canaryAddresses, type CanaryAddresses } from './canary-addresses.js'
import { judgeStep } from './canary-gate.js'

/** Needs a stable version to compare with: the caller deploys blue/green when no host serves yet. */
export async function canary(run: FleetRun, logDir: string): Promise<void> {
  const route = new Route(run)
  const stableOnly = upstreamInclude(run.settings, run.hosts, liveRoute)
  const logPath = `${logDir}/canary-access.log`
  // Before anything starts: a log left by an earlier canary would make the first step's check pass on old lines.
  await runChecked(run.nginxRemote, removeFile(logPath, false))
  const addresses = await canaryAddresses(run)
  saveProgress(run, run.includeBefore, run.includeBefore, new Set())
  await startEverywhere(run, route)
  for (const share of run.settings.fleet.canary.steps.filter(step => step < 100)) {
    await holdShare(run, route, { share, logPath, addresses, stableOnly, first: share === run.settings.fleet.canary.steps[0] })
  }
  const all = upstreamInclude(run.settings, run.hosts, targetRoute)
  saveProgress(run, all, stableOnly, new Set())
  try {
    await route.apply('Canary 100%', all, 'every host → new version, reloaded')
    await verify(run)
  } catch (error) {
    throw await takeCanaryOut(run, route, error as ActionError, logPath)
  }
  saveProgress(run, all, all, new Set(run.hosts))
  for (const host of run.hosts) markHost(run, host, 'updated')
  await retireEverywhere(run, run.hosts)
  run.progress({ phase: 'done' })
  await runChecked(run.nginxRemote, removeFile(logPath, false)).catch(() => {})
}

interface Share {
  share: number
  logPath: string
  addresses: CanaryAddresses
  /** The include with the stable version only: what a run that dies now is put back to. */
  stableOnly: string
  first: boolean
}

/** One step: route the share, hold it, judge it. */
async function holdShare(run: FleetRun, route: Route, { share, logPath, addresses, stableOnly, first }: Share): Promise<void> {
  const { settings } = run
  const logging = accessLogDirectives({ app: settings.appName, upstream: settings.fleet.upstream!.name, logPath })
  const weighted = (host: HostPlan) => [...to(host.plan.live, { weight: 100 - share }), ...to(host.plan.target, { weight: share })]
  const text = upstreamInclude(settings, run.hosts, weighted, logging)
  saveProgress(run, text, stableOnly, new Set())
  try {
    await route.apply(`Canary ${share}%`, text, `weights ${share}/${100 - share}, reloaded`)
    const from = first ? await untilLogged(run, logPath) : await logSize(run, logPath)
    const step = await run.report.step(`Watch canary at ${share}%`, async note => {
      const judged = await watch(run, { share, logPath, addresses, from })
      note(judged.passed ? `passed: ${judged.summary}` : `failed: ${judged.reasons.join('; ')}`)
      return judged
    })
    if (!step.passed) throw gateFailed(step)
  } catch (error) {
    throw await takeCanaryOut(run, route, error as ActionError, logPath)
  }
}

async function watch(run: FleetRun, { share, logPath, addresses, from }: Omit<Share, 'first' | 'stableOnly'> & { from: number }) {
  const { canary: limits } = run.settings.fleet
  const begin = Date.now()
  await holdFor(limits.intervalMs, run.report.cancelled)
  if (run.report.cancelled.aborted) throw new DeployError(`The run was cancelled while the canary took ${share}% of the traffic.`)
  const [output, healthy] = await Promise.all([runChecked(run.nginxRemote, accessLogStats(logPath, from)), canaryHealthy(run)])
  const parsed = parseAccessLogStats(output)
  const canaryStats = statsFor(parsed, addresses.canary)
  const stableStats = statsFor(parsed, addresses.stable)
  const verdict = judgeStep(canaryStats, stableStats, healthy, limits)
  const unmatched = unmatchedServers(parsed.servers, addresses, canaryStats.requests + stableStats.requests)
  const step: CanaryStep = {
    share,
    heldMs: Date.now() - begin,
    canary: canaryStats,
    stable: stableStats,
    healthy,
    passed: verdict.passed && !unmatched,
    reasons: unmatched ? [...verdict.reasons, unmatched] : verdict.reasons
  }
  run.outcome.canary.push(step)
  const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`
  const summary =
    `canary ${canaryStats.requests} requests, ${pct(canaryStats.errorRate)} errors, p95 ${canaryStats.p95Ms ?? '—'} ms; ` +
    `stable ${stableStats.requests} requests, ${pct(stableStats.errorRate)} errors, p95 ${stableStats.p95Ms ?? '—'} ms` +
    (verdict.notes.length ? ` (${verdict.notes.join('; ')})` : '')
  return { ...step, summary }
}

function logSize(run: FleetRun, logPath: string): Promise<number> {
  return runChecked(run.nginxRemote, accessLogSize(logPath)).then(parseAccessLogSize)
}

/**
 * Checks through nginx until the canary's log has a line: old workers still finishing after the reload answer
 * without the new logging, so one check may go unlogged. A log that stays empty means the http-level access_log
 * does not reach the server block (one of its own replaces it).
 */
async function untilLogged(run: FleetRun, logPath: string): Promise<number> {
  if (run.settings.nginx.verify.kind === 'off') return logSize(run, logPath)
  for (let attempt = 1; ; attempt++) {
    await verify(run)
    const size = await logSize(run, logPath)
    if (size > 0) return size
    if (attempt === 5) throw notLogged(logPath, accessLogName(run.settings.appName))
  }
}

/**
 * nginx logged requests, but to none of the addresses the canary and the stable version are known by: the gate
 * would judge nothing, so the step fails instead (an address written differently from how nginx logs it).
 */
function unmatchedServers(servers: Map<string, unknown>, addresses: CanaryAddresses, matched: number): string | null {
  if (matched > 0 || servers.size === 0) return null
  const logged = [...servers.keys()].slice(0, 6).join(', ')
  return (
    `nginx logged requests to ${logged}, but none to the canary (${addresses.canary.join(', ')}) or the stable version ` +
    `(${addresses.stable.join(', ')}); set 'app-address' to the addresses nginx logs`
  )
}

/** Waits out the interval, ending early (and failing the step) when the run is cancelled. */
function holdFor(ms: number, cancelled: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(timer)
      cancelled.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    cancelled.addEventListener('abort', done)
  })
}

async function canaryHealthy(run: FleetRun): Promise<boolean> {
  const checks = await Promise.all(
    run.hosts.map(host => host.member.app.healthCheck(host.plan.target, () => {}, run.report.cancelled, 10_000).catch(() => null))
  )
  return checks.every(result => result?.healthy === true)
}

/** Weight 0: nginx back on the stable version only; then the canary drains and stops on every host. */
async function takeCanaryOut(run: FleetRun, route: Route, failure: ActionError, logPath: string): Promise<DeployError> {
  let state: string
  try {
    await route.apply('Take the canary out', upstreamInclude(run.settings, run.hosts, liveRoute), 'stable version only, reloaded', {
      cleanup: true
    })
    const stopped = await acrossHosts(
      run,
      'Stop the canary',
      run.hosts,
      async host => {
        await drainOnHost(run, host, host.plan.target)
        await stopNewOnHost(run, host)
      },
      { cleanup: true }
    )
    if (stopped.failures.length) throw stopped.failures[0].error
    run.progress({ phase: 'done' })
    await runChecked(run.nginxRemote, removeFile(logPath, false)).catch(() => {})
    state = 'nginx sends every request to the stable version again, and the canary was stopped on every host.'
  } catch (repair) {
    state = `Taking the canary out failed: ${(repair as Error).message}. Check the include on the nginx host and the app hosts by hand.`
  }
  for (const host of run.hosts) markHost(run, host, 'rolled back')
  return new DeployError(failure.message, { serverState: state, hint: failure.hint ?? 'Fix the cause and deploy again.' })
}

function gateFailed(step: CanaryStep): DeployError {
  return new DeployError(`The canary failed its gate at ${step.share}% of the traffic: ${step.reasons.join('; ')}.`, {
    hint: 'Look at the canary steps table and the new version’s logs; fix the cause and deploy again.'
  })
}

function notLogged(logPath: string, format: string): DeployError {
  return new DeployError(`nginx logged nothing to ${logPath} for the check through nginx, so the canary could not be watched.`, {
    hint:
      "A server block or location that proxies to the upstream has its own 'access_log', which replaces the http-level one the " +
      `action adds for the canary (format ${format}); remove or move that access_log line (see the README), or use strategy rolling.`
  })
}
