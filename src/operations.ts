/**
 * The commands on one app instance: deploy, redeploy, rollback (recorded in the server's history) and status. The
 * preview commands (preview/) run these on a pull request's own instance.
 */
import type { OperationContext, OperationOutcome } from './context.js'
import { deploy } from './deploy.js'
import { chooseRelease, newRelease, type ChosenRelease } from './rollback.js'
import { failedEntry } from './failure-history.js'
import { ServerRecords } from './server/records.js'
import { status } from './status.js'

export type { OperationContext, OperationOutcome }

export async function runOperation(ctx: OperationContext): Promise<OperationOutcome> {
  const { settings } = ctx
  const records = new ServerRecords(ctx.remote, settings.remoteDir)
  if (settings.command === 'status') {
    const record = await records.read()
    const wired = ctx.wire(ctx, { mode: record?.mode ?? 'jar', release: record?.live.release, ref: record?.live.ref })
    return { kind: 'status', ...(await status(wired, record)) }
  }
  try {
    const chosen: ChosenRelease =
      settings.command === 'deploy' ? { source: newRelease(ctx) } : await chooseRelease(ctx, await records.read())
    // A deploy whose traffic moved records its own history line, together with state.json.
    return { kind: 'deploy', ...(await deploy(ctx.wire(ctx, chosen.source), chosen.options)) }
  } catch (error) {
    // The history notes failures too, but a failure to write it must not hide the command's own error.
    if (!ctx.report.halted) await records.appendHistory(failedEntry(ctx, error as Error)).catch(() => {})
    throw error
  }
}
