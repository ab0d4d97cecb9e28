/**
 * What the deploy does when a step between starting the new version and a verified switch fails: put
 * nginx back, and stop the new version only once nginx has loaded the restored configuration.
 */
import { ConnectionError, DeployError, type ActionError } from '../errors.js'
import type { Outcome } from '../outcome.js'
import type { Progress } from '../progress.js'
import type { Proxy, SwitchStage } from '../proxy/proxy.js'
import type { Report } from '../report/report.js'
import type { AppHost } from '../runtimes/runtime.js'
import type { SlotPlan } from '../server/slots.js'
import type { Remote } from '../ssh/remote.js'

/** What a rollback needs: the strategy's context, narrowed so that this module stays low in the import graph. */
export interface RollbackContext {
  remote: Remote
  report: Report
  outcome: Outcome
  progress: (progress: Progress) => void
  app: AppHost
  proxy: Proxy
  plan: SlotPlan
  /** The probe's view of the include before this run changed it. */
  probe: { includeText: string | null }
}

const NEVER = new AbortController().signal

/** Runs `run`, which reports how far it got with nginx. On failure, rolls back and throws. */
export async function withRollback(ctx: RollbackContext, run: (reached: (stage: SwitchStage) => void) => Promise<void>): Promise<void> {
  let stage: SwitchStage = 'untouched'
  try {
    await run(reached => (stage = reached))
  } catch (error) {
    const failure = error as ActionError
    const nginxTouched = stage !== 'untouched'
    if (failure instanceof ConnectionError || ctx.remote.lostReason()) throw connectionLost(ctx, failure, nginxTouched)
    if (ctx.report.halted) throw lockLost(ctx, failure, nginxTouched)
    ctx.outcome.logTail = await ctx.app.runtime.diagnostics(ctx.plan.target.color).catch(() => '')
    const outcome = await rollBack(ctx, stage)
    throw new DeployError(failure.message, {
      serverState: outcome,
      hint: failure.hint ?? 'See the log of the new version below, fix the cause, and deploy again.'
    })
  }
}

async function rollBack(ctx: RollbackContext, stage: SwitchStage): Promise<string> {
  const { report, plan } = ctx
  const target = `${plan.target.color} :${plan.target.port}`
  const live = plan.live
    ? `The live version (${plan.live.color} :${plan.live.port}) kept serving and still does`
    : 'No version was live before this deploy'
  try {
    const restored = stage === 'untouched' ? null : await putNginxBack(ctx, stage)
    if (restored?.bothRunning) return restored.bothRunning
    await report.cleanupStep(`Stop new version (${plan.target.color})`, async note => note(await ctx.app.runtime.stop(plan.target.color)))
    ctx.progress({ phase: 'done' })
    return `${live}; ${restored ? `${restored.note}, and ` : ''}the new version on ${target} was stopped.`
  } catch (repairError) {
    if (repairError instanceof ConnectionError) return inDoubt(ctx, stage !== 'untouched', repairError.message)
    return (
      `${live}; stopping the new version on ${target} FAILED (${(repairError as Error).message}); stop it by hand or run the ` +
      `deploy again.`
    )
  }
}

/** Restores the include; once nginx had loaded the new one, the new version must drain before it stops. */
async function putNginxBack(ctx: RollbackContext, stage: SwitchStage): Promise<{ note: string; bothRunning?: string }> {
  const { report, plan, app } = ctx
  const restore = await report
    .cleanupStep('Restore nginx include', async note => {
      const outcome = await ctx.proxy.restore(ctx.probe.includeText)
      note(outcome.note)
      if (!outcome.restored) throw new DeployError(outcome.note)
      return outcome
    })
    .catch((restoreError: Error) => ({ restored: false, note: restoreError.message }))
  // When the switch's own reload failed, nginx never loaded the new include and still routes to the live version.
  if (stage !== 'reloaded') return restore
  if (!restore.restored) {
    // The post step must not act on the include file either: it no longer says what nginx has loaded.
    ctx.progress({ phase: 'done' })
    return { ...restore, bothRunning: bothLeftRunning(ctx, restore.note) }
  }
  // Requests nginx already sent to the new version must finish before it is stopped.
  await report.cleanupStep(`Drain new version (${plan.target.color})`, async note => note(await app.drain(plan.target, NEVER)))
  return restore
}

/** nginx may still route to the new version, so stopping it would take the site down. */
function bothLeftRunning(ctx: RollbackContext, why: string): string {
  const { plan, proxy } = ctx
  const old = plan.live ? ` and the old version on ${plan.live.color} :${plan.live.port}` : ''
  return (
    `nginx still routes to the NEW version on ${plan.target.color} :${plan.target.port}: ${why}. ` +
    `Both the new version${old} are left running, and nothing was stopped. Before the next deploy, fix the nginx configuration ('nginx ` +
    `-t') ` +
    `and reload nginx: it then routes as ${proxy.routeFile} says (the old version); the next deploy stops the leftover.`
  )
}

function inDoubt(ctx: RollbackContext, nginxTouched: boolean, why: string): string {
  const { plan } = ctx
  const nginx = nginxTouched ? 'nginx may route to the new version' : 'nginx still routes to the live version'
  return (
    `The SSH connection was lost${why ? ` (${why})` : ''} before the server was put back: ${nginx}, and the new version on ` +
    `${plan.target.color} :${plan.target.port} may still run. ` +
    "The action's post step reconnects and puts it back; if it cannot, run the deploy again."
  )
}

function connectionLost(ctx: RollbackContext, failure: ActionError, nginxTouched: boolean): ConnectionError {
  const lost = ctx.remote.lostReason()
  const message =
    failure instanceof ConnectionError || !lost
      ? failure.message
      : `Lost the SSH connection (${lost}); the step then failed: ${failure.message}`
  return new ConnectionError(message, {
    serverState: inDoubt(ctx, nginxTouched, ''),
    hint:
      'Check the network path to the server and its sshd logs. The post step puts the server back; the next deploy recovers from ' +
      'whatever state it finds.'
  })
}

function lockLost(ctx: RollbackContext, failure: ActionError, nginxTouched: boolean): DeployError {
  const nginx = nginxTouched ? 'nginx may route to the new version' : 'nginx still routes to the live version'
  return new DeployError(failure.message, {
    serverState:
      `This run no longer holds the deploy lock, so it changed nothing more: ${nginx}, and the new version on ${ctx.plan.target.color} ` +
      `may still run. ` +
      'The post step takes the lock and repairs only what this run started and wrote.',
    hint: failure.hint ?? 'Another run may be deploying now; check its result before deploying again.'
  })
}
