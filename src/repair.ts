/**
 * What the post step does on the server, under the deploy lock, for a run that died: undo an unverified
 * switch, or finish a verified one. Each change is made only while the server still shows this run's own
 * work (the include text it wrote, the version it started); otherwise it is left alone and the summary says why.
 */
import type { DeployContext } from './context.js'
import { DeployError } from './errors.js'
import type { InFlight } from './progress.js'
import type { ServerProbe } from './server/probe.js'
import { readProbe } from './server/read-probe.js'

export type RepairContext = Omit<DeployContext, 'progress'> & { progress: InFlight }

const NEVER = new AbortController().signal

/** The switch was never verified: nginx goes back to what it routed to, and this run's new version stops. */
export async function repairInterrupted(ctx: RepairContext): Promise<void> {
  const { report, progress, app } = ctx
  const { target, live } = progress
  const server = await readServer(ctx)
  const ours = (await app.runtime.startedBy(target.color)) === progress.runToken
  let routesToTarget = server.routed?.color === target.color
  const restore = whyNotRestore(progress, server, ours)
  if (restore === null) {
    const outcome = await report.step('Restore nginx include', async note => {
      const restored = await ctx.proxy(server).restore(progress.includeBefore)
      note(restored.note)
      return restored
    })
    if (!outcome.restored) throw bothRunning(progress, outcome.note)
    routesToTarget = false
    await report.step(`Drain new version (${target.color})`, async note => note(await app.drain(target, NEVER)))
  } else report.skip('Restore nginx include', restore)
  // With nothing live before, nginx routing to the new slot is what "before" looked like too.
  await stopIfOurs(ctx, ours, routesToTarget && live !== null)
  ctx.outcome.previous = ctx.outcome.live = routesToTarget ? target : live
}

/** Null when nginx should be put back; otherwise why it is left as it is. */
function whyNotRestore(progress: InFlight, server: ServerProbe, ours: boolean): string | null {
  const include = server.includeText
  if (include === progress.includeBefore) return 'nginx still routes as before the interrupted run'
  if (include !== progress.includeWritten || !ours) return 'left alone: another deploy changed nginx or the slot since the interrupted run'
  if (progress.live && !server.listening[progress.live.color]) {
    return `left on the new version: the old version on ${progress.live.color} :${progress.live.port} no longer answers`
  }
  return null
}

/** Traffic had moved and was verified: drain and stop the old version, then record what serves. */
export async function finishInterrupted(ctx: RepairContext): Promise<void> {
  const { report, progress, app, settings } = ctx
  const server = await readServer(ctx)
  const ours = (await app.runtime.startedBy(progress.target.color)) === progress.runToken
  if (server.includeText !== progress.includeWritten || !ours) {
    report.skip('Finish the deploy', 'nginx or the new slot changed since the interrupted run (another deploy ran): nothing to finish')
    return
  }
  const old = progress.live
  if (old && settings.keepPreviousMs > 0) {
    await report.step(`Keep old version (${old.color})`, async note => {
      await app.stopLater(old.color)
      note(`a timer stops it in ${Math.round(settings.keepPreviousMs / 1000)} s`)
    })
  } else if (old) {
    await report.step(`Drain old version (${old.color})`, async note => note(await app.drain(old, NEVER)))
    await report.step(`Stop old version (${old.color})`, async note => note(await app.runtime.stop(old.color)))
  }
  if (progress.finish) {
    const finish = progress.finish
    await report.step('Record state', async note => {
      await ctx.records.writeWithHistory(finish.record, { ...finish.history, finishedBy: 'post step' })
      note(`${finish.record.live.color} :${finish.record.live.port} is live`)
    })
  }
  ctx.outcome.previous = old
  ctx.outcome.live = progress.target
}

async function readServer({ report, app, settings }: RepairContext): Promise<ServerProbe> {
  return report.step('Read server state', async note => {
    const state = await readProbe(app.remote, settings, app.runtime.program)
    note(state.routed ? `nginx routes to ${state.routed.color} :${state.routed.port}` : 'no nginx include')
    return state
  })
}

async function stopIfOurs({ report, app, progress }: RepairContext, ours: boolean, serving: boolean): Promise<void> {
  const name = `Stop new version (${progress.target.color})`
  if (!ours) return report.skip(name, 'left alone: nothing the interrupted run started runs there now')
  if (serving) return report.skip(name, 'left alone: nginx routes to it')
  await report.step(name, async note => note(await app.runtime.stop(progress.target.color)))
}

function bothRunning(progress: InFlight, why: string): DeployError {
  return new DeployError(`Could not put nginx back: ${why}.`, {
    serverState:
      `nginx still routes to the new version on ${progress.target.color} :${progress.target.port}; it and the old version ` +
      `are both left running.`,
    hint: "Fix the nginx configuration ('nginx -t') and reload nginx; the next deploy stops the leftover."
  })
}
