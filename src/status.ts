/** `command: status`: read-only. What runs, whether it is healthy, what is kept, and what happened. */
import type { DeployContext, StatusOutcome } from './context.js'
import type { DeployRecord } from './server/record.js'

export type { StatusOutcome }

export async function status(ctx: DeployContext, record: DeployRecord | null): Promise<StatusOutcome> {
  const { report, app, outcome } = ctx
  const live = record?.live ?? null
  outcome.previous = outcome.live = live
  outcome.release = live?.release ?? ''
  const healthy = live
    ? await report.step(`Health of ${live.color} :${live.port}`, async note => {
        const result = await app.healthCheck(live, attempt => outcome.healthAttempts.push(attempt), report.cancelled, 5_000)
        note(result.healthy ? 'healthy' : result.reason)
        return result.healthy
      })
    : null
  const releases = live
    ? await report.step('List kept releases', async note => {
        const kept = await app.runtime.listReleases()
        note(`${kept.length} kept`)
        return kept
      })
    : []
  const history = await report.step('Read history', async note => {
    const entries = await ctx.records.readHistory()
    note(`${entries.length} entries`)
    return entries
  })
  report.table(
    'Kept releases',
    ['Release', 'Name', 'Created', 'Role'],
    releases.map(r => [
      r.release,
      r.label,
      r.created,
      r.release === live?.release ? 'live' : r.release === record?.previous?.release ? 'previous' : ''
    ])
  )
  report.table(
    'History (newest first)',
    ['Time', 'Command', 'Result', 'Release', 'From → to', 'By'],
    [...history]
      .reverse()
      .map(h => [
        h.time,
        h.command,
        h.result,
        h.release.replace(/^sha256:/, '').slice(0, 12),
        `${h.from ? `${h.from.color} :${h.from.port}` : '—'} → ${h.to ? `${h.to.color} :${h.to.port}` : '—'}`,
        h.actor
      ]),
    { folded: true }
  )
  return { live, healthy, releases, history }
}
