/**
 * The commands across hosts, and the deploy's runbook: read every host, put the release on each, move traffic
 * by the strategy: deploy, redeploy and rollback move every app host with the strategy; status reads
 * each host. Every app host keeps its own state.json and history; the nginx host holds the lock.
 */
import type { OperationContext, OperationOutcome, Outcome } from '../context.js'
import { DeployError } from '../errors.js'
import { blueGreenAcrossHosts } from '../strategy/across-hosts.js'
import { canary } from '../strategy/canary.js'
import { rolling } from '../strategy/rolling.js'
import { failedEntry } from '../failure-history.js'
import { NginxProxy } from '../proxy/nginx-proxy.js'
import { chooseRelease, newRelease, type ChosenRelease } from '../rollback.js'
import { RemoteAppHost } from '../runtimes/app-host.js'
import { runtimeFor, type RuntimeSource } from '../runtimes/runtime-for.js'
import type { DeployRecord } from '../server/record.js'
import type { ServerProbe } from '../server/probe.js'
import { ServerRecords } from '../server/records.js'
import { status } from '../status.js'
import type { FleetContext, FleetRemotes, FleetRun } from './fleet-context.js'
import { probeFleet } from './fleet-probe.js'
import { acrossHosts, markHost } from './host-steps.js'

export function wireFleet(ctx: OperationContext, source: RuntimeSource, remotes: FleetRemotes): FleetContext {
  const { settings } = ctx
  return {
    ...ctx,
    nginxRemote: remotes.nginx,
    members: settings.fleet.appHosts.map((target, i) => ({
      target,
      app: new RemoteAppHost(remotes.apps[i], settings, runtimeFor(settings, remotes.apps[i], source)),
      records: new ServerRecords(remotes.apps[i], settings.remoteDir)
    })),
    proxy: probe => new NginxProxy(remotes.nginx, settings, probe)
  }
}

export async function runFleetOperation(ctx: OperationContext, remotes: FleetRemotes): Promise<OperationOutcome> {
  const records = remotes.apps.map(remote => new ServerRecords(remote, ctx.settings.remoteDir))
  const recorded = await Promise.all(records.map(r => r.read()))
  if (ctx.settings.command === 'status') return fleetStatus(ctx, remotes, recorded)
  try {
    const chosen: ChosenRelease =
      ctx.settings.command === 'deploy' ? { source: newRelease(ctx) } : await chooseAcross(ctx, remotes, recorded)
    return { kind: 'deploy', ...(await deployAcross(wireFleet(ctx, chosen.source, remotes))) }
  } catch (error) {
    if (!ctx.report.halted) {
      const entry = failedEntry(ctx, error as Error)
      await Promise.all(records.map(r => r.appendHistory(entry).catch(() => {})))
    }
    throw error
  }
}

/** Redeploy and rollback go by the host deployed last: its live release, or the one before it. */
async function chooseAcross(ctx: OperationContext, remotes: FleetRemotes, recorded: (DeployRecord | null)[]): Promise<ChosenRelease> {
  const newest = recorded.reduce<number>((best, record, i) => {
    const since = (r: DeployRecord | null) => r?.live.since ?? ''
    return best === -1 || since(record) > since(recorded[best]) ? i : best
  }, -1)
  return chooseRelease({ ...ctx, remote: remotes.apps[newest] }, recorded[newest])
}

async function fleetStatus(ctx: OperationContext, remotes: FleetRemotes, recorded: (DeployRecord | null)[]): Promise<OperationOutcome> {
  ctx.settings.fleet.appHosts.forEach((target, i) => {
    const live = recorded[i]?.live ?? null
    const release = live?.release ?? ''
    ctx.outcome.hosts.push({ host: target.label, address: target.address, before: release, after: release, slot: live, state: 'unchanged' })
  })
  const first = recorded[0]
  const remote = remotes.apps[0]
  const source = { mode: first?.mode ?? 'jar', release: first?.live.release, ref: first?.live.ref } as const
  const wired = {
    ...ctx,
    remote,
    app: new RemoteAppHost(remote, ctx.settings, runtimeFor(ctx.settings, remote, source)),
    records: new ServerRecords(remote, ctx.settings.remoteDir),
    proxy: (probe: ServerProbe) => new NginxProxy(remotes.nginx, ctx.settings, probe)
  }
  return { kind: 'status', ...(await status(wired, first)) }
}

/** The deploy across hosts. */
export async function deployAcross(ctx: FleetContext): Promise<Outcome> {
  const { report, outcome, members, settings } = ctx
  const run = await readFleet(ctx)
  for (const host of run.hosts) markHost(run, host, 'untouched')
  outcome.previous = outcome.live = run.hosts[0].plan.live
  const runtime = members[0].app.runtime
  const prepared = await acrossHosts(run, `${runtime.prepareStep} on ${members.length} host(s)`, run.hosts, async host => {
    await report.step(`${host.member.target.label}: ${runtime.prepareStep}`, async note => note(await host.member.app.runtime.prepare()))
  })
  if (prepared.failures.length) throw notPrepared(prepared.failures[0].host.member.target.label, prepared.failures[0].error)
  outcome.release = runtime.release
  outcome.uploadBytes = members.reduce((sum, member) => sum + (member.app.runtime.sentBytes ?? 0), 0)
  const { strategy } = settings.fleet
  const serving = run.hosts.some(host => host.plan.live)
  if (strategy === 'canary' && !serving)
    report.warn('No version serves yet, so there is no stable version to compare a canary with: switching all at once.')
  if (strategy === 'rolling') await rolling(run)
  else if (strategy === 'canary' && serving) await canary(run, run.logDir)
  else await blueGreenAcrossHosts(run)
  outcome.live = run.hosts[0].plan.target
  return outcome
}

async function readFleet(ctx: FleetContext): Promise<FleetRun & { logDir: string }> {
  const { report, settings } = ctx
  const found = await report.step('Read server state', async note => {
    const { nginx, hosts } = await probeFleet(ctx)
    const proxyRole = ctx.proxy(nginx)
    const preflight = await proxyRole.preflight()
    const serving = hosts.filter(host => host.plan.live).length
    note(`${serving} of ${hosts.length} host(s) serve; ${preflight.note}`)
    return {
      nginx,
      hosts,
      proxyRole,
      warnings: [...preflight.warnings, ...hosts.flatMap(host => host.plan.warnings.map(w => `${host.member.target.label}: ${w}`))]
    }
  })
  for (const warning of found.warnings) report.warn(warning)
  return {
    ...ctx,
    proxyRole: found.proxyRole,
    hosts: found.hosts,
    includeBefore: found.nginx.includeText,
    logDir: found.nginx.dirPath || settings.remoteDir
  }
}

function notPrepared(label: string, error: Error): DeployError {
  return new DeployError(`Putting the release on ${label} failed: ${error.message}`, {
    serverState: 'No traffic moved and nothing was started; the live version keeps serving on every host.',
    hint: 'Fix the cause (disk space, registry access) and deploy again.'
  })
}
