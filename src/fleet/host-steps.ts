/** What the strategies do on one app host: start and check the new version, stop it, retire the old one, record. */
import { DeployError, type ActionError } from '../errors.js'
import type { HostOutcome } from '../outcome.js'
import { finishOf as finishFor, type Finish } from '../progress.js'
import type { Slot } from '../server/slots.js'
import type { FleetRun, HostPlan } from './fleet-context.js'

const NEVER = new AbortController().signal

const where = (slot: Slot) => `${slot.color} :${slot.port}`

/** Starts the new version in the host's idle slot and waits until it is healthy; throws naming the host. */
export async function startOnHost(run: FleetRun, host: HostPlan): Promise<void> {
  const { report, outcome } = run
  const { app, target } = host.member
  const { plan } = host
  if (plan.staleInTarget) {
    await report.step(`${target.label}: remove leftover in ${plan.target.color}`, async note =>
      note(await app.runtime.stop(plan.target.color))
    )
  }
  await report.step(`${target.label}: start new version on ${where(plan.target)}`, async note =>
    note(await app.runtime.start(plan.target, run.run.token))
  )
  await report.step(`${target.label}: health check`, async note => {
    const result = await app.healthCheck(
      plan.target,
      attempt => outcome.healthAttempts.push({ ...attempt, host: target.label }),
      report.cancelled
    )
    note(`${result.attempts.length} attempt(s) on :${app.healthPort(plan.target)}`)
    if (result.healthy) return
    outcome.logTail ||= await app.runtime.diagnostics(plan.target.color).catch(() => '')
    throw new DeployError(`The new version on ${target.label} (${where(plan.target)}) did not become healthy: ${result.reason}.`, {
      hint: `See the log of the new version on ${target.label} below, fix the cause, and deploy again.`
    })
  })
}

/** Stops the new version on a host (it took no traffic, or nginx no longer sends it any). */
export async function stopNewOnHost(run: FleetRun, host: HostPlan): Promise<void> {
  const { app, target } = host.member
  await run.report.cleanupStep(`${target.label}: stop new version (${host.plan.target.color})`, async note =>
    note(await app.runtime.stop(host.plan.target.color))
  )
}

/** Waits for the host's old version to finish its requests. */
export async function drainOnHost(run: FleetRun, host: HostPlan, old: Slot): Promise<void> {
  const { app, target } = host.member
  await run.report.cleanupStep(`${target.label}: drain ${old.color}`, async note => note(await app.drain(old, NEVER)))
}

export async function stopOldOnHost(run: FleetRun, host: HostPlan, old: Slot): Promise<void> {
  const { app, target } = host.member
  await run.report.cleanupStep(`${target.label}: stop old version (${old.color})`, async note => note(await app.runtime.stop(old.color)))
}

/** Once nginx routes the host to its new version: its state.json and a history line say so. */
export async function recordHost(run: FleetRun, host: HostPlan): Promise<void> {
  const finish = finishOf(run, host)
  await run.report.cleanupStep(`${host.member.target.label}: record state`, async note => {
    await host.member.records.writeWithHistory(finish.record, finish.history)
    note(`${finish.record.live.color} :${finish.record.live.port} runs ${finish.record.live.release.slice(0, 12)}`)
  })
}

export function finishOf({ settings, run }: FleetRun, host: HostPlan): Finish {
  return finishFor({ settings, runtime: host.member.app.runtime, plan: host.plan, run, before: host.probe.record?.live })
}

/** What can put nginx back as it was before the run (fleet/traffic.ts Route). */
export interface Restorable {
  restoreOriginal(): Promise<string>
}

export interface Settled {
  ok: HostPlan[]
  failures: { host: HostPlan; error: Error }[]
}

/** Runs `work` on every host at once and waits for all of them, failed or not. */
export async function onEveryHost(hosts: HostPlan[], work: (host: HostPlan) => Promise<void>): Promise<Settled> {
  const results = await Promise.allSettled(hosts.map(work))
  const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [{ host: hosts[i], error: result.reason as Error }] : []))
  return { ok: hosts.filter((_, i) => results[i].status === 'fulfilled'), failures }
}

/**
 * `work` on every host at once, as one step of the report (the hosts' own steps log inside it). Returns how each
 * host did; throws only when the step itself could not start (a cancelled run, a lost lock).
 */
export async function acrossHosts(
  run: FleetRun,
  name: string,
  hosts: HostPlan[],
  work: (host: HostPlan) => Promise<void>,
  options: { cleanup?: boolean } = {}
): Promise<Settled> {
  let settled: Settled | null = null
  const step = options.cleanup ? run.report.cleanupStep.bind(run.report) : run.report.step.bind(run.report)
  await step(name, async note => {
    settled = await onEveryHost(hosts, work)
    note(`${settled.ok.length} of ${hosts.length} host(s) done`)
    if (settled.failures.length) throw settled.failures[0].error
  }).catch((error: unknown) => {
    if (!settled) throw error
  })
  return settled!
}

/** Starts and health-checks the new version on every host; on any failure stops it on all and throws. */
export async function startEverywhere(run: FleetRun, route: Restorable): Promise<void> {
  const started = await acrossHosts(run, `Start new version on ${run.hosts.length} host(s)`, run.hosts, host => startOnHost(run, host))
  if (!started.failures.length) return
  const { host, error } = started.failures[0]
  const others = started.failures.length > 1 ? ` (and ${started.failures.length - 1} more host(s))` : ''
  throw await undoStart(run, route, error as ActionError, `${host.member.target.label}${others} failed before any traffic moved`)
}

/** Puts nginx back, stops the new version on every host, and says so in the failure. */
export async function undoStart(run: FleetRun, route: Restorable, failure: ActionError, what: string): Promise<DeployError> {
  let state: string
  try {
    const nginx = await route.restoreOriginal()
    const stopped = await acrossHosts(run, 'Stop new versions', run.hosts, host => stopNewOnHost(run, host), { cleanup: true })
    if (stopped.failures.length) throw stopped.failures[0].error
    state = `${what}: ${nginx}; the new version was stopped on every host, and the old version serves as before.`
    run.progress({ phase: 'done' })
  } catch (repair) {
    state =
      `${what}, and putting things back failed too: ${(repair as Error).message} nginx may still route to the new version, ` +
      'so it was left running beside the old one on every host. Fix nginx (nginx -t), then run the deploy again.'
  }
  for (const host of run.hosts) markHost(run, host, 'unchanged')
  return new DeployError(failure.message, { serverState: state, hint: failure.hint ?? 'Fix the cause and deploy again.' })
}

export async function verify(run: FleetRun): Promise<void> {
  if (run.settings.nginx.verify.kind === 'off') return run.report.skip('Verify through nginx', "verify-url is 'false'")
  await run.report.step('Verify through nginx', async note => note(await run.proxyRole.verify()))
}

/** Traffic has moved to every host's new version: the old versions drain and stop, and each host records. */
export async function retireEverywhere(run: FleetRun, hosts: HostPlan[]): Promise<void> {
  const retired = await acrossHosts(
    run,
    'Retire old versions',
    hosts,
    async host => {
      if (host.plan.live) {
        await drainOnHost(run, host, host.plan.live)
        await stopOldOnHost(run, host, host.plan.live)
      }
      await recordHost(run, host)
      markHost(run, host, 'updated')
    },
    { cleanup: true }
  )
  if (retired.failures.length) {
    const { host, error } = retired.failures[0]
    throw new DeployError(`Traffic moved, but finishing on ${host.member.target.label} failed: ${error.message}`, {
      serverState: 'nginx routes every host to the new version, which serves; an old version may still run on that host.',
      hint: 'Run the deploy again to finish (it stops what no longer serves), or stop the old version by hand.'
    })
  }
}

/** What the summary says about a host. */
export function markHost(run: FleetRun, host: HostPlan, state: HostOutcome['state']): void {
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

/**
 * Saves where the deploy across hosts stands, for the post step: `written` is the include being written now,
 * `safe` the one to put back if the run dies, `committed` the hosts whose new version `safe` routes to.
 */
export function saveProgress(run: FleetRun, written: string | null, safe: string | null, committed: Set<HostPlan>): void {
  const { runtime } = run.members[0].app
  run.progress({
    phase: 'fleet',
    mode: runtime.mode,
    runToken: run.run.token,
    ref: runtime.ref,
    includeWritten: written,
    includeSafe: safe,
    hosts: run.hosts.map(host => ({
      index: run.members.indexOf(host.member),
      target: host.plan.target,
      live: host.plan.live,
      committed: committed.has(host),
      finish: finishOf(run, host)
    }))
  })
}
