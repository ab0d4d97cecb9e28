/**
 * Blue/green across hosts: the new version starts and becomes healthy on every host at once; then one switch on
 * the nginx host moves all traffic; then every old version drains and stops. Any host failing before the switch
 * moves no traffic and stops the new version everywhere.
 */
import type { ActionError } from '../errors.js'
import type { FleetRun, HostPlan } from '../fleet/fleet-context.js'
import { markHost, retireEverywhere, saveProgress, startEverywhere, undoStart, verify } from '../fleet/host-steps.js'
import { targetRoute, upstreamInclude } from '../fleet/routes.js'
import { Route } from '../fleet/traffic.js'

export async function blueGreenAcrossHosts(run: FleetRun): Promise<void> {
  const route = new Route(run)
  saveProgress(run, run.includeBefore, run.includeBefore, new Set())
  await startEverywhere(run, route)
  await switchAll(run, route)
  await retireEverywhere(run, run.hosts)
  run.progress({ phase: 'done' })
}

async function switchAll(run: FleetRun, route: Route): Promise<void> {
  const startedAt = Date.now()
  try {
    const text = upstreamInclude(run.settings, run.hosts, targetRoute)
    saveProgress(run, text, run.includeBefore, new Set())
    await route.apply('Switch nginx', text, `${run.hosts.length} host(s) → new version, config tested, reloaded`)
    run.outcome.timeToSwitchMs = Date.now() - startedAt
    await verify(run)
    saveProgress(run, text, text, new Set<HostPlan>(run.hosts))
    for (const host of run.hosts) markHost(run, host, 'updated')
  } catch (error) {
    throw await undoStart(run, route, error as ActionError, 'The switch failed')
  }
}
