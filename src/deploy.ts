/** The deploy, as a runbook of named steps: probe, prepare the release, move traffic (the strategy), record, after-switch hook. */
import { boundary } from './boundary.js'
import type { DeployContext, DeployOptions, Outcome, StrategyContext } from './context.js'
import { DeployError, type ActionError } from './errors.js'
import { finishOf, type Finish } from './progress.js'
import type { AppRuntime } from './runtimes/runtime.js'
import { readProbe } from './server/read-probe.js'
import { retireOld, startAndSwitch } from './strategy/blue-green.js'
import type { SlotPlan } from './server/slots.js'
import { afterSwitch } from './strategy/hooks.js'
import { planSlots } from './strategy/slot-plan.js'

export async function deploy(ctx: DeployContext, options: DeployOptions = {}): Promise<Outcome> {
  const { report, app, outcome } = ctx
  outcome.release = app.runtime.release
  const { probe, plan, proxy } = await probeAndPlan(ctx)
  await boundary('state-read')
  await report.step(app.runtime.prepareStep, async note => note(await app.runtime.prepare()))
  outcome.release = app.runtime.release
  outcome.uploadBytes = app.runtime.sentBytes ?? null
  await boundary('prepared')
  const strategy: StrategyContext = { ...ctx, plan, probe, proxy }
  const inFlight = await startAndSwitch(strategy, options)
  // Traffic has moved: from here on the run finishes even when cancelled, so state.json names what serves.
  const finish = finishRecord(strategy)
  ctx.progress({ ...inFlight, phase: 'switched', finish })
  await boundary('verified')
  try {
    if (plan.live) await retireOld(strategy, plan.live)
    await record(ctx, finish)
  } catch (error) {
    throw afterTheSwitch(error as ActionError, plan)
  }
  await afterSwitch(strategy)
  return outcome
}

/** Reads the server and refuses, before anything changes, what could not work (missing program, sudo, nginx). */
async function probeAndPlan(ctx: DeployContext): Promise<Pick<StrategyContext, 'probe' | 'plan' | 'proxy'>> {
  const { report, app, settings, outcome } = ctx
  const result = await report.step('Read server state', async note => {
    // Independent reads go out together: over a WAN each one costs round trips, not server time.
    const [probe, ours] = await Promise.all([readProbe(app.remote, settings, app.runtime.program), app.runtime.ourSlots()])
    if (!probe.programFound) throw missingProgram(app.runtime)
    const proxy = ctx.proxy(probe)
    const preflight = await proxy.preflight()
    const plan = planSlots(probe, ours, settings.slots)
    // The first change to the server, once nothing above refused.
    await app.cancelKeepTimers()
    note(`${probe.routed ? `nginx routes to ${probe.routed.color} :${probe.routed.port}` : 'no nginx include yet'}; ${preflight.note}`)
    return { probe, proxy, warnings: preflight.warnings, plan }
  })
  for (const warning of [...result.warnings, ...result.plan.warnings]) report.warn(warning)
  outcome.previous = outcome.live = result.plan.live
  return result
}

function finishRecord({ settings, app, run, plan, probe }: StrategyContext): Finish {
  return finishOf({ settings, runtime: app.runtime, plan, run, before: probe.record?.live })
}

async function record(ctx: DeployContext, finish: Finish): Promise<void> {
  const { report, app, records } = ctx
  await report.cleanupStep('Record state', async note => {
    const previous = finish.record.previous?.release
    // Pruning is housekeeping, beside the record rather than after it: the next deploy prunes again, so a
    // failure here does not fail this one.
    const pruned = app.runtime
      .prune([app.runtime.release, ...(previous ? [previous] : [])])
      .catch((error: Error) => `pruning skipped: ${error.message}`)
    await records.writeWithHistory(finish.record, finish.history).catch(async error => {
      await pruned
      throw error
    })
    ctx.progress({ phase: 'done' })
    await boundary('recorded')
    note(await pruned)
  })
}

function afterTheSwitch(failure: ActionError, plan: SlotPlan): ActionError {
  const old = plan.live ? `; the old version on ${plan.live.color} :${plan.live.port} may still run` : ''
  return new DeployError(failure.message, {
    serverState:
      `Traffic had moved: nginx routes to the new version on ${plan.target.color} :${plan.target.port}, which serves${old}. ` +
      "The action's post step finishes the deploy (stops the old version, records the state).",
    hint: failure.hint ?? 'Nothing to do if the post step succeeds; otherwise run the deploy again.'
  })
}

function missingProgram(runtime: AppRuntime): DeployError {
  return new DeployError(`'${runtime.program}' was not found on the server's PATH for the login user.`, {
    serverState: 'Nothing was changed on the server; the live version keeps serving.',
    hint: `Install it on the server, or set '${runtime.programInput}' to its full path.`
  })
}
