/** The blue/green deploy, as a runbook of named steps. */
import { DeployError, type ActionError } from './errors.js'
import { DeploySteps, type RunInfo } from './deploy-steps.js'
import type { Remote } from './remote.js'
import type { Report } from './report.js'
import type { AppRuntime } from './runtimes/runtime.js'
import { parseRecord } from './record.js'
import type { Color, ServerState } from './server-state.js'
import type { Settings } from './settings.js'
import { planSlots, type Slot, type SlotPlan } from './slot-plan.js'

/** Where an interrupted deploy stopped, saved so the post step can repair it. */
export type Progress =
  | { phase: 'started'; target: Slot; includeBefore: string | null; preview?: { number: number; ports: [number, number] } }
  | { phase: 'switched' }
  | { phase: 'rolled-back' }

export interface DeployContext {
  settings: Settings
  remote: Remote
  runtime: AppRuntime
  report: Report
  run: RunInfo
  progress: (progress: Progress) => void
}

export interface DeployOutcome {
  live: Slot
  previous: Slot | null
}

export interface DeployOptions {
  /** A version kept running in this slot (keep-previous) that is the release to switch to: no restart. */
  reuse?: { color: Color; release: string }
}

export async function deploy(ctx: DeployContext, options: DeployOptions = {}): Promise<DeployOutcome> {
  const { report, settings, runtime } = ctx
  const steps = new DeploySteps(settings, ctx.remote, runtime)

  const { server, plan } = await report.step('Read server state', async note => {
    const state = await steps.readServer()
    if (!state.programFound) throw missingProgram(runtime)
    await steps.cancelKeepTimers()
    note(state.routed ? `nginx routes to ${state.routed.color} :${state.routed.port}` : 'no nginx include yet')
    return { server: state, plan: planSlots(state, await runtime.ourSlots(), settings.slots) }
  })
  plan.warnings.forEach(warning => report.warn(warning))
  report.before = plan.live
  const sudo = settings.nginx.sudo === 'true' || (settings.nginx.sudo === 'auto' && !server.isRoot)
  if (sudo && server.sudo !== 'ok') throw sudoRefused(server.sudo)

  await report.step(runtime.prepareStep, async note => note(await runtime.prepare()))
  report.release = runtime.release
  const reuse = plan.staleInTarget && options.reuse?.color === plan.target.color && options.reuse.release === runtime.release
  if (plan.staleInTarget && !reuse) {
    await report.step(`Remove leftover in ${plan.target.color}`, async note => note(await runtime.stop(plan.target.color)))
  }

  const startedAt = Date.now()
  ctx.progress({ phase: 'started', target: plan.target, includeBefore: server.includeText })
  if (reuse) report.skip(`Start new version on ${plan.target.color} :${plan.target.port}`, 'still running (keep-previous): switching back without a restart')
  else await report.step(`Start new version on ${plan.target.color} :${plan.target.port}`, async note => note(await runtime.start(plan.target)))
  await withRollback(steps, ctx, plan, server, sudo, async () => {
    await report.step('Health check', async note => {
      const result = await steps.healthCheck(plan.target, attempt => report.healthAttempts.push(attempt), report.cancelled)
      note(`${result.attempts.length} attempt(s)`)
      if (!result.healthy) throw new DeployError(`The new version on ${plan.target.color} :${plan.target.port} did not become healthy: ${result.reason}.`)
    })
    await report.step('Switch nginx', async note => {
      await steps.switchNginx(plan.target, sudo)
      note(`${settings.nginx.include} → :${plan.target.port}, config tested, reloaded`)
    })
    report.timeToSwitchMs = Date.now() - startedAt
    if (settings.nginx.verifyUrl) await report.step('Verify through nginx', async note => note(await steps.verifyThroughNginx()))
    else report.skip('Verify through nginx', "verify-url is 'false'")
  })
  ctx.progress({ phase: 'switched' })
  report.after = plan.target

  if (plan.live) await retire(ctx, steps, plan.live)
  const before = parseRecord(server.recordedState)?.active
  await report.step('Record state', async note => {
    await steps.recordState({
      app: settings.appName,
      mode: runtime.mode,
      active: { ...plan.target, release: runtime.release, ref: runtime.ref, since: new Date().toISOString() },
      previous: plan.live ? { ...plan.live, release: before?.release ?? '', ref: before?.ref } : null,
      deployedBy: ctx.run
    })
    note(await runtime.prune([runtime.release, ...(before?.release ? [before.release] : [])]))
  })
  return { live: plan.target, previous: plan.live }
}

const NEVER = new AbortController().signal

/** The old version: drained and stopped, or with keep-previous left running and stopped later by a timer. */
async function retire(ctx: DeployContext, steps: DeploySteps, old: Slot): Promise<void> {
  const { report, settings, runtime } = ctx
  if (settings.keepPreviousMs > 0) {
    const seconds = Math.round(settings.keepPreviousMs / 1000)
    await report.step(`Keep old version (${old.color}) for ${seconds} s`, async note => {
      await steps.stopLater(old.color, await runtime.stopLater(old.color))
      note('a timer on the server stops it then, unless a rollback switches back to it')
    })
    return
  }
  await report.step(`Drain old version (${old.color})`, async note => note(await steps.drain(old, report.cancelled)))
  await report.step(`Stop old version (${old.color})`, async note => note(await runtime.stop(old.color)))
}

function sudoRefused(said: string): DeployError {
  return new DeployError(`The nginx steps need 'sudo -n', which the login user cannot use: ${said.split('\n')[0] || 'no answer'}.`, {
    serverState: 'Nothing was changed on the server; the live version keeps serving.',
    hint: "Give the login user passwordless sudo for the nginx steps (see the README), log in as a user that may run them, or set 'sudo: false' if it can without sudo."
  })
}

function missingProgram(runtime: AppRuntime): DeployError {
  return new DeployError(`'${runtime.program}' was not found on the server's PATH for the login user.`, {
    serverState: 'Nothing was changed on the server; the live version keeps serving.',
    hint: `Install it on the server, or set '${runtime.programInput}' to its full path.`
  })
}

/**
 * Runs the steps between starting the new version and a verified switch. If any of them fails, the
 * new version is stopped and nginx is put back as it was, so the live version keeps serving.
 */
async function withRollback(steps: DeploySteps, ctx: DeployContext, plan: SlotPlan, server: ServerState, sudo: boolean, run: () => Promise<void>): Promise<void> {
  try {
    await run()
  } catch (error) {
    const failure = error as ActionError
    const nginxTouched = ctx.report.steps.some(step => step.name === 'Switch nginx')
    const repairs: string[] = []
    ctx.report.logTail = await ctx.runtime.diagnostics(plan.target.color).catch(() => '')
    if (nginxTouched) {
      await ctx.report.cleanupStep('Restore nginx include', async note => {
        const outcome = await steps.restoreNginx(server.includeText, sudo)
        note(outcome)
        return outcome
      }).then(outcome => repairs.push(outcome))
        .catch((restoreError: Error) => repairs.push(`restoring the nginx include FAILED (${restoreError.message}); check ${ctx.settings.nginx.include} by hand`))
      // Requests nginx already sent to the new version must finish before it is stopped.
      await ctx.report.cleanupStep(`Drain new version (${plan.target.color})`, async note => note(await steps.drain(plan.target, NEVER)))
        .catch(() => {})
    }
    await ctx.report.cleanupStep(`Stop new version (${plan.target.color})`, async note => note(await ctx.runtime.stop(plan.target.color)))
      .then(() => repairs.push(`the new version on ${plan.target.color} was stopped`))
      .catch((stopError: Error) => repairs.push(`stopping the new version FAILED (${stopError.message})`))
    if (!repairs.some(repair => repair.includes('FAILED'))) ctx.progress({ phase: 'rolled-back' })
    const live = plan.live ? `The live version (${plan.live.color} :${plan.live.port}) kept serving and still does` : 'No version was live before this deploy'
    throw new DeployError(failure.message, {
      serverState: `${live}; ${repairs.join('; ')}.`,
      hint: failure.hint ?? 'See the log of the new version below, fix the cause, and deploy again.'
    })
  }
}
