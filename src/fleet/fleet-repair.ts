/**
 * What the post step does across hosts, for a run that died (post.ts connects and takes the lock): nginx goes back to the include the
 * run last knew to be safe (while it still holds what the run wrote), hosts whose new version that include routes
 * to are finished, and every other host's new version from this run is stopped. Nothing another run changed is touched.
 */
import { DeployError } from '../errors.js'
import type { FleetHostProgress, FleetInFlight } from '../progress.js'
import type { FleetContext } from './fleet-context.js'
import { probeNginxHost } from './fleet-probe.js'

const NEVER = new AbortController().signal

export async function repairAcrossHosts(ctx: FleetContext, progress: FleetInFlight): Promise<void> {
  const { report, settings } = ctx
  const nginx = await report.step('Read nginx host', async note => {
    const probe = await probeNginxHost(ctx.nginxRemote, settings)
    note(probe.includeText === null ? 'no include' : `${probe.includeText.split('\n').length} include line(s)`)
    return probe
  })
  if (nginx.includeText !== progress.includeWritten) {
    report.skip('Repair', 'left alone: another deploy changed nginx since the interrupted run')
    return
  }
  if (progress.includeSafe !== progress.includeWritten) {
    const restored = await report.step('Restore nginx include', async note => {
      const result = await ctx.proxy(nginx).restore(progress.includeSafe)
      note(result.note)
      return result
    })
    if (!restored.restored) throw notRestored(restored.note)
  } else report.skip('Restore nginx include', 'nginx already routes every host to a version that serves')
  const results = await Promise.allSettled(progress.hosts.map(host => repairHost(ctx, progress, host)))
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) throw failed.reason
}

async function repairHost(ctx: FleetContext, progress: FleetInFlight, host: FleetHostProgress): Promise<void> {
  const member = ctx.members[host.index]
  const { report } = ctx
  const label = member.target.label
  if (host.committed) {
    if (host.live) {
      const old = host.live
      await report.step(`${label}: drain old version (${old.color})`, async note => note(await member.app.drain(old, NEVER)))
      await report.step(`${label}: stop old version (${old.color})`, async note => note(await member.app.runtime.stop(old.color)))
    }
    const recorded = await member.records.read()
    const { live } = host.finish.record
    if (recorded?.live.port === live.port && recorded.live.release === live.release) return
    await report.step(`${label}: record state`, async note => {
      await member.records.writeWithHistory(host.finish.record, { ...host.finish.history, finishedBy: 'post step' })
      note(`${live.color} :${live.port} is live`)
    })
    return
  }
  const name = `${label}: stop new version (${host.target.color})`
  if ((await member.app.runtime.startedBy(host.target.color)) !== progress.runToken) {
    return report.skip(name, 'left alone: nothing the interrupted run started runs there now')
  }
  await report.step(name, async note => note(await member.app.runtime.stop(host.target.color)))
}

function notRestored(why: string): DeployError {
  return new DeployError(`Could not put nginx back: ${why}.`, {
    serverState: "nginx keeps the interrupted run's include; the new versions it started are left running.",
    hint: "Fix the nginx configuration ('nginx -t') and reload nginx, then run the deploy again."
  })
}
