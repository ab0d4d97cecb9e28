/** The blue/green deploy, as a runbook of named steps. */
import { boundary } from './boundary.js'
import { renderInclude } from './commands/nginx.js'
import { DeployError, type ActionError } from './errors.js'
import { DeploySteps } from './deploy-steps.js'
import type { DeployContext, DeployOptions, DeployOutcome } from './context.js'
import type { Finish, InFlight, Progress } from './progress.js'
import { parseRecord, resultOf } from './record.js'
import { withRollback } from './rollback-on-failure.js'
import type { AppRuntime } from './runtimes/runtime.js'
import type { ServerState } from './server-state.js'
import { planSlots, type Slot, type SlotPlan } from './slot-plan.js'

export type { DeployContext, DeployOptions, DeployOutcome, Progress }

export async function deploy(ctx: DeployContext, options: DeployOptions = {}): Promise<DeployOutcome> {
  const { report, settings, runtime } = ctx
  const steps = new DeploySteps(settings, ctx.remote, runtime)
  const { server, plan } = await readState(ctx, steps)
  await boundary('state-read')
  const sudo = settings.nginx.sudo === 'true' || (settings.nginx.sudo === 'auto' && !server.isRoot)
  if (sudo && server.sudo !== 'ok') throw sudoRefused(server.sudo)

  await report.step(runtime.prepareStep, async note => note(await runtime.prepare()))
  report.release = runtime.release
  await boundary('prepared')
  const reuse = plan.staleInTarget && options.reuse?.color === plan.target.color && options.reuse.release === runtime.release
  if (plan.staleInTarget && !reuse) {
    await report.step(`Remove leftover in ${plan.target.color}`, async note => note(await runtime.stop(plan.target.color)))
  }

  const startedAt = Date.now()
  // A kept version switched back to was started by an earlier run: that run's token marks it.
  const runToken = (reuse && (await runtime.startedBy(plan.target.color))) || ctx.run.token
  const inFlight = inFlightProgress(ctx, plan, server, runToken)
  ctx.progress(inFlight)
  if (reuse) report.skip(`Start new version on ${plan.target.color} :${plan.target.port}`, 'still running (keep-previous): switching back without a restart')
  else await report.step(`Start new version on ${plan.target.color} :${plan.target.port}`, async note => note(await runtime.start(plan.target, ctx.run.token)))
  await boundary('started')
  await withRollback({ ...ctx, steps, plan, server, sudo }, async reached => {
    await report.step('Health check', async note => {
      const result = await steps.healthCheck(plan.target, attempt => report.healthAttempts.push(attempt), report.cancelled)
      note(`${result.attempts.length} attempt(s)`)
      if (!result.healthy) throw new DeployError(`The new version on ${plan.target.color} :${plan.target.port} did not become healthy: ${result.reason}.`)
    })
    await boundary('healthy')
    await report.step('Switch nginx', async note => {
      await steps.switchNginx(plan.target, sudo, reached)
      note(`${settings.nginx.include} → :${plan.target.port}, config tested, reloaded`)
    })
    report.timeToSwitchMs = Date.now() - startedAt
    await boundary('switched')
    if (settings.nginx.verifyUrl) await report.step('Verify through nginx', async note => note(await steps.verifyThroughNginx()))
    else report.skip('Verify through nginx', "verify-url is 'false'")
  })
  // Traffic has moved: from here on the run finishes even when cancelled, so state.json names what serves.
  const finish = finishRecord(ctx, plan, server)
  ctx.progress({ ...inFlight, phase: 'switched', finish })
  await boundary('verified')
  report.after = plan.target
  try {
    if (plan.live) await retire(ctx, steps, plan.live)
    await record(ctx, steps, finish)
  } catch (error) {
    throw afterTheSwitch(error as ActionError, plan)
  }
  return { live: plan.target, previous: plan.live }
}

async function readState(ctx: DeployContext, steps: DeploySteps): Promise<{ server: ServerState; plan: SlotPlan }> {
  const { report, runtime, settings } = ctx
  const result = await report.step('Read server state', async note => {
    const state = await steps.readServer()
    if (!state.programFound) throw missingProgram(runtime)
    await steps.cancelKeepTimers()
    note(state.routed ? `nginx routes to ${state.routed.color} :${state.routed.port}` : 'no nginx include yet')
    return { server: state, plan: planSlots(state, await runtime.ourSlots(), settings.slots) }
  })
  result.plan.warnings.forEach(warning => report.warn(warning))
  report.before = result.plan.live
  return result
}

function inFlightProgress({ settings, runtime }: DeployContext, plan: SlotPlan, server: ServerState, runToken: string): InFlight {
  return {
    phase: 'started',
    mode: runtime.mode,
    runToken,
    target: plan.target,
    live: plan.live,
    includeBefore: server.includeText,
    includeWritten: renderInclude(settings.nginx.template, plan.target.port),
    ref: runtime.ref
  }
}

function finishRecord({ settings, runtime, run }: DeployContext, plan: SlotPlan, server: ServerState): Finish {
  const before = parseRecord(server.recordedState)?.active
  const { token: _token, ...deployedBy } = run
  return {
    state: {
      app: settings.appName,
      mode: runtime.mode,
      active: { ...plan.target, release: runtime.release, ref: runtime.ref, since: new Date().toISOString() },
      previous: plan.live ? { ...plan.live, release: before?.release ?? '', ref: before?.ref } : null,
      deployedBy
    },
    history: {
      time: new Date().toISOString(), command: settings.command, result: resultOf(settings.command), release: runtime.release,
      from: plan.live, to: plan.target, actor: run.actor, runUrl: run.runUrl, commit: run.commit
    }
  }
}

/** The old version: drained and stopped, or with keep-previous left running and stopped later by a timer. */
async function retire(ctx: DeployContext, steps: DeploySteps, old: Slot): Promise<void> {
  const { report, settings, runtime } = ctx
  if (settings.keepPreviousMs > 0) {
    const seconds = Math.round(settings.keepPreviousMs / 1000)
    await report.cleanupStep(`Keep old version (${old.color}) for ${seconds} s`, async note => {
      await steps.stopLater(old.color, await runtime.stopLater(old.color))
      note('a timer on the server stops it then, unless a rollback switches back to it')
    })
    return
  }
  // Not cut short by a cancel: the requests still running on the old version must finish.
  await report.cleanupStep(`Drain old version (${old.color})`, async note => note(await steps.drain(old, NEVER)))
  await boundary('drained')
  await report.cleanupStep(`Stop old version (${old.color})`, async note => note(await runtime.stop(old.color)))
  await boundary('stopped')
}

async function record(ctx: DeployContext, steps: DeploySteps, finish: Finish): Promise<void> {
  const { report, runtime } = ctx
  await report.cleanupStep('Record state', async note => {
    await steps.recordFinish(finish)
    ctx.progress({ phase: 'done' })
    await boundary('recorded')
    const previous = finish.state.previous?.release
    // Pruning is housekeeping: the next deploy prunes again, so a failure here does not fail this one.
    note(await runtime.prune([runtime.release, ...(previous ? [previous] : [])]).catch((error: Error) => `pruning skipped: ${error.message}`))
  })
}

function afterTheSwitch(failure: ActionError, plan: SlotPlan): ActionError {
  const old = plan.live ? `; the old version on ${plan.live.color} :${plan.live.port} may still run` : ''
  return new DeployError(failure.message, {
    serverState: `Traffic had moved: nginx routes to the new version on ${plan.target.color} :${plan.target.port}, which serves${old}. ` +
      "The action's post step finishes the deploy (stops the old version, records the state).",
    hint: failure.hint ?? 'Nothing to do if the post step succeeds; otherwise run the deploy again.'
  })
}

const NEVER = new AbortController().signal

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
