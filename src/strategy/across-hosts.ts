/**
 * Blue/green across hosts: the new version starts and becomes healthy on every host at once; then one switch on
 * the nginx host moves all traffic; then every old version drains and stops. Any host failing before the switch
 * moves no traffic and stops the new version everywhere.
 */
import { DeployError, type ActionError } from '../errors.js'
import type { FleetRun, HostPlan } from '../fleet/fleet-context.js'
import { drainOnHost, onEveryHost, recordHost, startOnHost, stopNewOnHost, stopOldOnHost } from '../fleet/host-steps.js'
import { targetRoute, upstreamInclude } from '../fleet/routes.js'
import { Route } from '../fleet/traffic.js'

export async function blueGreenAcrossHosts(run: FleetRun): Promise<void> {
  const route = new Route(run)
  await startEverywhere(run, route)
  await switchAll(run, route)
  await retireEverywhere(run, run.hosts)
}

/** Starts and health-checks the new version on every host; on any failure stops it on all and throws. */
export async function startEverywhere(run: FleetRun, route: Route): Promise<void> {
  const started = await onEveryHost(run.hosts, host => startOnHost(run, host))
  if (!started.failures.length) return
  const { host, error } = started.failures[0]
  const others = started.failures.length > 1 ? ` (and ${started.failures.length - 1} more host(s))` : ''
  throw await undoStart(run, route, error as ActionError, `${host.member.target.label}${others} failed before any traffic moved`)
}

/** Puts nginx back, stops the new version on every host, and says so in the failure. */
export async function undoStart(run: FleetRun, route: Route, failure: ActionError, what: string): Promise<DeployError> {
  let state: string
  try {
    const nginx = await route.restoreOriginal()
    await onEveryHost(run.hosts, host => stopNewOnHost(run, host))
    state = `${what}: ${nginx}; the new version was stopped on every host, and the old version serves as before.`
  } catch (repair) {
    state = `${what}, and putting things back failed too: ${(repair as Error).message}. Check nginx and the app hosts by hand.`
  }
  for (const host of run.hosts) markHost(run, host, 'unchanged')
  return new DeployError(failure.message, { serverState: state, hint: failure.hint ?? 'Fix the cause and deploy again.' })
}

async function switchAll(run: FleetRun, route: Route): Promise<void> {
  const startedAt = Date.now()
  try {
    const text = upstreamInclude(run.settings, run.hosts, targetRoute)
    await route.apply('Switch nginx', text, `${run.hosts.length} host(s) → new version, config tested, reloaded`)
    run.outcome.timeToSwitchMs = Date.now() - startedAt
    await verify(run)
  } catch (error) {
    throw await undoStart(run, route, error as ActionError, 'The switch failed')
  }
}

export async function verify(run: FleetRun): Promise<void> {
  if (run.settings.nginx.verify.kind === 'off') return run.report.skip('Verify through nginx', "verify-url is 'false'")
  await run.report.step('Verify through nginx', async note => note(await run.proxyRole.verify()))
}

/** Traffic has moved to every host's new version: the old versions drain and stop, and each host records. */
export async function retireEverywhere(run: FleetRun, hosts: HostPlan[]): Promise<void> {
  const retired = await onEveryHost(hosts, async host => {
    if (host.plan.live) {
      await drainOnHost(run, host, host.plan.live)
      await stopOldOnHost(run, host, host.plan.live)
    }
    await recordHost(run, host)
    markHost(run, host, 'updated')
  })
  if (retired.failures.length) {
    const { host, error } = retired.failures[0]
    throw new DeployError(`Traffic moved, but finishing on ${host.member.target.label} failed: ${error.message}`, {
      serverState: 'nginx routes every host to the new version, which serves; an old version may still run on that host.',
      hint: 'Run the deploy again to finish (it stops what no longer serves), or stop the old version by hand.'
    })
  }
}

/** What the summary says about a host. */
export function markHost(run: FleetRun, host: HostPlan, state: 'updated' | 'unchanged' | 'rolled back' | 'failed' | 'untouched'): void {
  const { target } = host.member
  const moved = state === 'updated'
  const entry = {
    host: target.label,
    address: target.address,
    before: host.before,
    after: moved ? host.member.app.runtime.release : host.plan.live ? host.before : '',
    slot: moved ? host.plan.target : host.plan.live,
    state
  }
  const index = run.outcome.hosts.findIndex(h => h.host === target.label)
  if (index === -1) run.outcome.hosts.push(entry)
  else run.outcome.hosts[index] = entry
}
