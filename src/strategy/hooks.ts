/**
 * The hooks: before-switch runs once the new version is healthy and before nginx moves to it (a failure rolls
 * back like an unhealthy version); after-switch runs last, once traffic has moved and is recorded (a failure
 * undoes nothing). Both run from remote-dir as the login user, with the new slot in their environment.
 */
import { hookTimedOut, runHook } from '../commands/hook.js'
import { fillEnv } from '../commands/placeholders.js'
import { shellJoin } from '../commands/shell.js'
import type { HookRun, Outcome } from '../outcome.js'
import type { Report } from '../report/report.js'
import type { AppHost } from '../runtimes/runtime.js'
import type { SlotPlan } from '../server/slots.js'
import type { Settings } from '../settings/types.js'
import { ActionError, DeployError, lastLines } from '../errors.js'
import { layoutOf } from '../server/layout.js'

/** What a hook step needs from the strategy's context (narrowed, so this module stays low in the import graph). */
export interface HookContext {
  settings: Settings
  report: Report
  outcome: Outcome
  app: AppHost
  plan: SlotPlan
}

type HookName = HookRun['name']

/** What the log keeps of a hook's output; the summary shows fewer lines of it. */
const LOG_LINES = 200
const MAX_CHARS = 20_000

export async function beforeSwitch(ctx: HookContext): Promise<void> {
  const argv = ctx.settings.hooks.beforeSwitch
  if (argv.length > 0) await runHookStep(ctx, 'before-switch', argv)
}

/** Traffic has moved and is recorded: a failure here fails the run, but there is nothing to undo. */
export async function afterSwitch(ctx: HookContext): Promise<void> {
  const argv = ctx.settings.hooks.afterSwitch
  if (argv.length === 0) return
  try {
    await runHookStep(ctx, 'after-switch', argv)
  } catch (error) {
    throw trafficMoved(ctx, error as ActionError)
  }
}

/** The variables a hook gets: the app's `env`, then the action's, which name the new slot and release. */
export function hookEnvironment({ settings, app, plan }: HookContext, name: HookName): [string, string][] {
  const { runtime } = app
  const variables: [string, string][] = [
    ['BLUEGREEN_HOOK', name],
    ['BLUEGREEN_COMMAND', settings.command],
    ['BLUEGREEN_APP', settings.appName],
    ['BLUEGREEN_MODE', runtime.mode],
    ['BLUEGREEN_RELEASE', runtime.release],
    ['BLUEGREEN_COLOR', plan.target.color],
    ['BLUEGREEN_PORT', String(plan.target.port)],
    ['BLUEGREEN_URL', `http://127.0.0.1:${plan.target.port}`],
    ['BLUEGREEN_PREVIOUS_COLOR', plan.live?.color ?? ''],
    ['BLUEGREEN_PREVIOUS_PORT', plan.live ? String(plan.live.port) : '']
  ]
  if (plan.target.managementPort !== undefined) variables.push(['BLUEGREEN_MANAGEMENT_PORT', String(plan.target.managementPort)])
  if (runtime.ref) variables.push(['BLUEGREEN_IMAGE', runtime.ref])
  // The hook sees the app's env as the new version does: {port} and {management-port} filled for its slot.
  return [...fillEnv(settings.env, plan.target), ...variables]
}

async function runHookStep(ctx: HookContext, name: HookName, argv: string[]): Promise<void> {
  const { report, outcome, settings } = ctx
  await report.step(`Run ${name} hook`, async note => {
    const run = await execHook(ctx, name, argv)
    outcome.hooks.push(run)
    const result = verdict(run, settings.hooks.timeoutMs)
    report.block(`Output of the ${name} hook (${result})`, run.output || '(no output)')
    note(`${result}${run.output ? `: ${lastLines(run.output, 1)}` : ''}`)
    if (run.code !== 0) throw hookFailed(run, settings.hooks.timeoutMs)
  })
}

async function execHook(ctx: HookContext, name: HookName, argv: string[]): Promise<HookRun> {
  const { settings, app } = ctx
  const { timeoutMs } = settings.hooks
  const begin = Date.now()
  const command = runHook({ name, dir: settings.remoteDir, argv, timeoutMs, jar: jarOf(ctx) }, hookEnvironment(ctx, name))
  const result = await app.remote.exec(command)
  const durationMs = Date.now() - begin
  return {
    name,
    command: shellJoin(argv),
    code: result.code,
    timedOut: hookTimedOut(result.code, durationMs, timeoutMs),
    durationMs,
    output: tail(`${result.stdout}${result.stderr}`, LOG_LINES)
  }
}

/** Jar mode: the new release's jar, relative to remote-dir (the hook's working directory). */
function jarOf({ settings, app }: HookContext): string | undefined {
  if (app.runtime.mode !== 'jar' || !app.runtime.release) return undefined
  return layoutOf(settings.remoteDir)
    .jarPath(app.runtime.release)
    .slice(settings.remoteDir.length + 1)
}

function verdict(run: HookRun, timeoutMs: number): string {
  if (run.timedOut) return `stopped after ${seconds(timeoutMs)} (hook-timeout)`
  if (run.code === null) return 'did not finish'
  return `exit code ${run.code}`
}

function hookFailed(run: HookRun, timeoutMs: number): DeployError {
  const said = run.output.trim() ? `: ${lastLines(run.output, 3)}` : ' (it printed nothing)'
  const then = run.name === 'before-switch' ? 'run the deploy again' : 'run it by hand on the server if it must still run'
  if (run.timedOut) {
    return new DeployError(`The ${run.name} hook did not finish within ${seconds(timeoutMs)} and was stopped${said}`, {
      hint:
        `Find out where it hangs (it runs with no input; its output is in the summary), or raise 'hook-timeout' if it needs longer; ` +
        `then ${then}.`
    })
  }
  const how = run.code === null ? 'did not finish' : `failed with exit code ${run.code}`
  const command = run.command.length > 80 ? `${run.command.slice(0, 77)}...` : run.command
  return new DeployError(`The ${run.name} hook (${command}) ${how}${said}`, {
    hint: `Fix what it reports (its output is in the summary) or the '${run.name}' command, then ${then}.`
  })
}

function trafficMoved({ plan, settings }: HookContext, failure: ActionError): DeployError {
  const kept = settings.keepPreviousMs > 0 ? 'is kept running for keep-previous' : 'was drained and stopped'
  const old = plan.live ? ` The old version (${plan.live.color} :${plan.live.port}) ${kept}, as in any deploy.` : ''
  return new DeployError(failure.message, {
    serverState:
      `Traffic had moved: nginx routes to the new version on ${plan.target.color} :${plan.target.port}, which serves, ` +
      `and the deploy is recorded.${old} ` +
      "The after-switch hook's failure undid nothing.",
    hint: failure.hint ?? "The deploy itself is done; run the after-switch hook's work by hand on the server if it must still run."
  })
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`
}

function tail(text: string, lines: number): string {
  const last = text.replace(/\s+$/, '').split('\n').slice(-lines).join('\n')
  return last.length > MAX_CHARS ? `…${last.slice(-MAX_CHARS)}` : last
}
