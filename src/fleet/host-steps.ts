/** What the strategies do on one app host: start and check the new version, stop it, retire the old one, record. */
import { DeployError } from '../errors.js'
import type { Finish } from '../progress.js'
import { resultOf } from '../server/record.js'
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
    await report.step(`${target.label}: remove leftover in ${plan.target.color}`, async note => note(await app.runtime.stop(plan.target.color)))
  }
  await report.step(`${target.label}: start new version on ${where(plan.target)}`, async note =>
    note(await app.runtime.start(plan.target, run.run.token))
  )
  await report.step(`${target.label}: health check`, async note => {
    const result = await app.healthCheck(plan.target, attempt => outcome.healthAttempts.push(attempt), report.cancelled)
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
  const { runtime } = host.member.app
  const { plan, probe } = host
  const before = probe.record?.live
  const { token: _token, ...deployedBy } = run
  const now = new Date().toISOString()
  return {
    record: {
      app: settings.appName,
      mode: runtime.mode,
      live: { ...plan.target, release: runtime.release, ref: runtime.ref, since: now },
      previous: plan.live ? { ...plan.live, release: before?.release ?? '', ref: before?.ref } : null,
      deployedBy
    },
    history: {
      time: now,
      command: settings.command,
      result: resultOf(settings.command),
      release: runtime.release,
      from: plan.live,
      to: plan.target,
      actor: run.actor,
      runUrl: run.runUrl,
      commit: run.commit
    }
  }
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
