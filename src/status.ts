/** `command: status`: read-only. What runs, whether it is healthy, what is kept, and what happened. */
import { DeploySteps } from './deploy-steps.js'
import type { OperationContext, StatusOutcome } from './context.js'
import type { ServerRecord } from './record.js'
import { ImageRuntime } from './runtimes/image.js'
import { JarRuntime } from './runtimes/jar.js'
import type { AppRuntime } from './runtimes/runtime.js'

export type { StatusOutcome }

export async function status(ctx: OperationContext, record: ServerRecord | null): Promise<StatusOutcome> {
  const { report, settings } = ctx
  const live = record?.active ?? null
  const runtime: AppRuntime = record?.mode === 'image'
    ? new ImageRuntime(settings, ctx.remote, live?.ref ?? (settings.artifact.kind === 'image' ? settings.artifact.ref : ''))
    : JarRuntime.kept(settings, ctx.remote, live?.release)
  const steps = new DeploySteps(settings, ctx.remote, runtime)
  report.before = report.after = live
  report.release = live?.release ?? ''
  const healthy = live ? await report.step(`Health of ${live.color} :${live.port}`, async note => {
    const result = await steps.healthCheck(live, attempt => report.healthAttempts.push(attempt), report.cancelled, 5_000)
    note(result.healthy ? 'healthy' : result.reason)
    return result.healthy
  }) : null
  const releases = live ? await report.step('List kept releases', async note => {
    const kept = await runtime.listReleases()
    note(`${kept.length} kept`)
    return kept
  }) : []
  const history = await report.step('Read history', async note => {
    const entries = await steps.readHistory()
    note(`${entries.length} entries`)
    return entries
  })
  report.table('Kept releases', ['Release', 'Name', 'Created', ''], releases.map(r => [
    r.release, r.label, r.created, r.release === live?.release ? 'live' : r.release === record?.previous?.release ? 'previous' : ''
  ]))
  report.table('History (newest first)', ['Time', 'Command', 'Result', 'Release', 'From → to', 'By'], [...history].reverse().map(h => [
    h.time, h.command, h.result, h.release.replace(/^sha256:/, '').slice(0, 12),
    `${h.from ? `${h.from.color} :${h.from.port}` : '—'} → ${h.to ? `${h.to.color} :${h.to.port}` : '—'}`, h.actor
  ]))
  return { live, healthy, releases, history }
}
