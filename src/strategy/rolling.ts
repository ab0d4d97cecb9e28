/**
 * Rolling: a batch of hosts at a time leaves the upstream (down), drains, gets the new version beside the old one,
 * becomes healthy, and goes back in on the new version; then its old version stops. A failing batch goes back to
 * its old version (still running, only drained); the hosts not reached yet stay untouched.
 */
import { DeployError, type ActionError } from '../errors.js'
import type { FleetRun, HostPlan } from '../fleet/fleet-context.js'
import {
  acrossHosts,
  drainOnHost,
  markHost,
  saveProgress,
  verify,
  recordHost,
  startOnHost,
  stopNewOnHost,
  stopOldOnHost
} from '../fleet/host-steps.js'
import { batches, liveRoute, targetRoute, to, upstreamInclude, type HostRoute } from '../fleet/routes.js'
import { Route } from '../fleet/traffic.js'

type Phase = 'old' | 'out' | 'new'

export async function rolling(run: FleetRun): Promise<void> {
  refuseWholeFleetAtOnce(run)
  const route = new Route(run)
  const phase = new Map<HostPlan, Phase>(run.hosts.map(host => [host, 'old']))
  const routeOf = (host: HostPlan): HostRoute =>
    phase.get(host) === 'new' ? targetRoute(host) : phase.get(host) === 'out' ? to(host.plan.live, { down: true }) : liveRoute(host)
  const committed = new Set<HostPlan>()
  const safe = () => upstreamInclude(run.settings, run.hosts, host => (committed.has(host) ? targetRoute(host) : liveRoute(host)))
  const apply = async (name: string, note: string) => {
    const text = upstreamInclude(run.settings, run.hosts, routeOf)
    saveProgress(run, text, safe(), committed)
    await route.apply(name, text, note)
    return text
  }
  saveProgress(run, run.includeBefore, run.includeBefore, committed)
  const groups = batches(run.hosts, run.settings.fleet.rollingBatch)
  for (const [index, batch] of groups.entries()) {
    const names = batch.map(host => host.member.target.label).join(', ')
    const serving = batch.filter(host => host.plan.live)
    if (serving.length) {
      serving.forEach(host => phase.set(host, 'out'))
      await apply(`Take ${names} out of nginx`, 'marked down, reloaded')
      await acrossHosts(run, `Drain ${names}`, serving, host => drainOnHost(run, host, host.plan.live!), { cleanup: true })
    }
    const started = await acrossHosts(run, `Start new version on ${names}`, batch, host => startOnHost(run, host))
    if (started.failures.length)
      throw await putBatchBack(run, route, started.failures[0].error as ActionError, { batch, phase, routeOf, index, groups })
    batch.forEach(host => phase.set(host, 'new'))
    let text: string
    try {
      text = await apply(`Put ${names} back on the new version`, 'config tested, reloaded')
      await verify(run)
    } catch (error) {
      throw await putBatchBack(run, route, error as ActionError, { batch, phase, routeOf, index, groups })
    }
    batch.forEach(host => committed.add(host))
    batch.forEach(host => markHost(run, host, 'updated'))
    saveProgress(run, text, text, committed)
    const finished = await acrossHosts(
      run,
      `Stop old versions on ${names}`,
      batch,
      async host => {
        if (host.plan.live) await stopOldOnHost(run, host, host.plan.live)
        await recordHost(run, host)
        markHost(run, host, 'updated')
      },
      { cleanup: true }
    )
    if (finished.failures.length) throw finished.failures[0].error
  }
  run.progress({ phase: 'done' })
}

interface Rollout {
  batch: HostPlan[]
  phase: Map<HostPlan, Phase>
  routeOf: (host: HostPlan) => HostRoute
  index: number
  groups: HostPlan[][]
}

/** The failed batch back on its old version, which never stopped; the new version stopped there. */
async function putBatchBack(run: FleetRun, route: Route, failure: ActionError, rollout: Rollout): Promise<DeployError> {
  const { batch, phase, routeOf, index, groups } = rollout
  batch.forEach(host => phase.set(host, 'old'))
  let state: string
  try {
    await route.apply(
      'Put the batch back on the old version',
      upstreamInclude(run.settings, run.hosts, routeOf),
      'config tested, reloaded',
      {
        cleanup: true
      }
    )
    const stopped = await acrossHosts(run, 'Stop new versions', batch, host => stopNewOnHost(run, host), { cleanup: true })
    if (stopped.failures.length) throw stopped.failures[0].error
    state = describeRollout(run, index, groups)
    run.progress({ phase: 'done' })
  } catch (repair) {
    const labels = batch.map(h => h.member.target.label).join(', ')
    state = `Putting the failed batch back failed too: ${(repair as Error).message}. Check nginx and ${labels} by hand.`
  }
  batch.forEach(host => markHost(run, host, 'rolled back'))
  groups
    .slice(index + 1)
    .flat()
    .forEach(host => markHost(run, host, 'untouched'))
  return new DeployError(`The rollout stopped at batch ${index + 1} of ${groups.length}: ${failure.message}`, {
    serverState: state,
    hint: failure.hint ?? 'Fix the cause and deploy again: every host gets the release again, the updated ones in their other slot.'
  })
}

function describeRollout(run: FleetRun, index: number, groups: HostPlan[][]): string {
  const labels = (hosts: HostPlan[]) => hosts.map(host => host.member.target.label).join(', ') || 'none'
  const updated = groups.slice(0, index).flat()
  const release = run.members[0].app.runtime.release.slice(0, 12)
  return (
    `Updated to ${release}: ${labels(updated)}. Back on the old version: ${labels(groups[index])} (the new version there was stopped). ` +
    `Not reached, untouched: ${labels(groups.slice(index + 1).flat())}.`
  )
}

/**
 * Taking out a batch that holds every host that serves would leave nothing to serve. Only the first batch can:
 * by the time a later one goes out, the hosts before it serve the new version.
 */
function refuseWholeFleetAtOnce(run: FleetRun): void {
  const { rollingBatch } = run.settings.fleet
  const serving = run.hosts.filter(host => host.plan.live)
  const [first] = batches(run.hosts, rollingBatch)
  if (serving.length === 0 || serving.some(host => !first.includes(host))) return
  const whole = rollingBatch >= run.hosts.length
  const batch = whole
    ? `but there are ${run.hosts.length} host(s): taking them all out at once`
    : `and the first batch (${first.map(host => host.member.target.label).join(', ')}) holds every host that serves now: taking it out`
  const instead = whole ? "Set 'rolling-batch' below the number of hosts" : "List a host that serves nothing yet first in 'host'"
  throw new DeployError(`'rolling-batch' is ${rollingBatch}, ${batch} leaves nothing to serve.`, {
    serverState: 'Nothing was changed on any host; the live version keeps serving.',
    hint: `${instead}, or use 'strategy: blue-green' (it needs no host out of service).`
  })
}
