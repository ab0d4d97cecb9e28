/**
 * Blue/green: the new version starts in the idle slot beside the live one, becomes healthy, passes the
 * before-switch hook, takes all the traffic in one switch, and the old version drains and stops (or is kept
 * running for keep-previous).
 */
import { boundary } from '../boundary.js'
import type { DeployOptions, StrategyContext } from '../context.js'
import { DeployError } from '../errors.js'
import type { InFlight } from '../progress.js'
import type { Slot } from '../server/slots.js'
import { beforeSwitch } from './hooks.js'
import { withRollback } from './rollback-on-failure.js'

const NEVER = new AbortController().signal

/** From starting the new version to a verified switch. Afterwards, `retireOld` takes the old version away. */
export async function startAndSwitch(ctx: StrategyContext, options: DeployOptions): Promise<InFlight> {
  const { report, app, plan, outcome } = ctx
  const { runtime } = app
  const reuse = plan.staleInTarget && options.reuse?.color === plan.target.color && options.reuse.release === runtime.release
  if (plan.staleInTarget && !reuse) {
    await report.step(`Remove leftover in ${plan.target.color}`, async note => note(await runtime.stop(plan.target.color)))
  }
  const startedAt = Date.now()
  // A kept version switched back to was started by an earlier run: that run's token marks it.
  const runToken = (reuse && (await runtime.startedBy(plan.target.color))) || ctx.run.token
  const inFlight = inFlightProgress(ctx, runToken)
  ctx.progress(inFlight)
  const start = `Start new version on ${plan.target.color} :${plan.target.port}`
  if (reuse) report.skip(start, 'still running (keep-previous): switching back without a restart')
  else await report.step(start, async note => note(await runtime.start(plan.target, ctx.run.token)))
  await boundary('started')
  await withRollback(ctx, async reached => {
    await healthCheck(ctx)
    await boundary('healthy')
    await beforeSwitch(ctx)
    await report.step('Switch nginx', async note => {
      await ctx.proxy.switchTo(plan.target, reached)
      note(`${ctx.proxy.routeFile} → :${plan.target.port}, config tested, reloaded`)
    })
    outcome.timeToSwitchMs = Date.now() - startedAt
    await boundary('switched')
    if (ctx.settings.nginx.verify.kind !== 'off') await report.step('Verify through nginx', async note => note(await ctx.proxy.verify()))
    else report.skip('Verify through nginx', "verify-url is 'false'")
  })
  outcome.live = plan.target
  return inFlight
}

async function healthCheck({ report, app, plan, outcome, settings }: StrategyContext): Promise<void> {
  await report.step('Health check', async note => {
    const port = app.healthPort(plan.target)
    const result = await app.healthCheck(plan.target, attempt => outcome.healthAttempts.push(attempt), report.cancelled)
    note(`${result.attempts.length} attempt(s) on :${port}${port === plan.target.port ? '' : ' (management port)'}`)
    if (!result.healthy) {
      // Spring with management.server.port moves the actuator off the app port, which then answers 404 there.
      const elsewhere = settings.slots.management && port === plan.target.port && result.attempts.at(-1)?.status === 404
      throw new DeployError(
        `The new version on ${plan.target.color} :${plan.target.port} did not become healthy: ${result.reason}.`,
        elsewhere ? { hint: "If the health endpoint is on the management port, set 'health-port: management'." } : {}
      )
    }
  })
}

function inFlightProgress({ app, plan, probe, proxy }: StrategyContext, runToken: string): InFlight {
  return {
    phase: 'started',
    mode: app.runtime.mode,
    runToken,
    target: plan.target,
    live: plan.live,
    includeBefore: probe.includeText,
    includeWritten: proxy.routeTo(plan.target),
    ref: app.runtime.ref
  }
}

/** The old version: drained and stopped, or with keep-previous left running and stopped later by a timer. */
export async function retireOld({ report, settings, app }: StrategyContext, old: Slot): Promise<void> {
  if (settings.keepPreviousMs > 0) {
    const seconds = Math.round(settings.keepPreviousMs / 1000)
    await report.cleanupStep(`Keep old version (${old.color}) for ${seconds} s`, async note => {
      await app.stopLater(old.color)
      note('a timer on the server stops it then, unless a rollback switches back to it')
    })
    return
  }
  // Not cut short by a cancel: the requests still running on the old version must finish.
  await report.cleanupStep(`Drain old version (${old.color})`, async note => note(await app.drain(old, NEVER)))
  await boundary('drained')
  await report.cleanupStep(`Stop old version (${old.color})`, async note => note(await app.runtime.stop(old.color)))
  await boundary('stopped')
}
