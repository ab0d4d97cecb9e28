/** The run's step outputs and its job summary, from the outcome and the report. */
import * as core from '@actions/core'
import type { OperationOutcome } from '../context.js'
import type { CanaryStep, HostOutcome, Outcome, TrafficStats } from '../outcome.js'
import type { ActionError } from '../errors.js'
import type { Settings } from '../settings/types.js'
import type { Report, ReportLog } from './report.js'
import { oneLine } from './safe-text.js'
import { fleetTarget } from './fleet-summary.js'
import { renderSummary } from './summary.js'

export type RunResult = 'deployed' | 'ok' | 'failed'

export function setOutputs(result: RunResult, outcome: Outcome, report: Report, operation?: OperationOutcome): void {
  if (operation?.preview) {
    core.setOutput('preview-url', operation.preview.url)
    core.setOutput('preview-port', operation.preview.port ?? '')
  }
  if (operation?.kind === 'status' && !operation.preview) {
    core.setOutput('history', JSON.stringify(operation.history))
    core.setOutput('releases', JSON.stringify(operation.releases))
    core.setOutput('healthy', String(operation.healthy ?? ''))
  }
  // A deploy that moved traffic leaves a previous slot; status and failures report none.
  const previous = operation?.kind === 'deploy' ? operation.previous : null
  core.setOutput('result', result)
  core.setOutput('active-color', outcome.live?.color ?? '')
  core.setOutput('active-port', outcome.live?.port ?? '')
  core.setOutput('previous-color', previous?.color ?? '')
  core.setOutput('previous-port', previous?.port ?? '')
  core.setOutput('release', oneLine(outcome.release))
  core.setOutput('upload-bytes', outcome.uploadBytes ?? '')
  core.setOutput('health-attempts', outcome.healthAttempts.length)
  core.setOutput('time-to-switch-ms', outcome.timeToSwitchMs ?? '')
  core.setOutput('duration-ms', report.elapsedMs())
  core.setOutput('hosts', JSON.stringify(outcome.hosts.map(hostOutput)))
  core.setOutput('canary-steps', JSON.stringify(outcome.canary.map(canaryStepOutput)))
}

/** The 'hosts' output: each app host and the release it runs now (its full id, unlike the summary). */
function hostOutput({ host, address, after, slot, state }: HostOutcome) {
  return { host, address, release: after, slot: slot && { color: slot.color, port: slot.port }, state }
}

/** The 'canary-steps' output: named fields, so that what the outcome holds besides does not leak into it. */
function canaryStepOutput({ share, heldMs, canary, stable, healthy, passed, reasons }: CanaryStep) {
  return { share, heldMs, canary: trafficOutput(canary), stable: trafficOutput(stable), healthy, passed, reasons }
}

function trafficOutput({ requests, errors, errorRate, p50Ms, p95Ms }: TrafficStats) {
  return { requests, errors, errorRate, p50Ms, p95Ms }
}

export interface SummaryOptions {
  error?: ActionError
  /** Replaces the default headline (the post step's repair report). */
  title?: string
}

export async function writeSummary(
  settings: Settings | undefined,
  report: Report,
  outcome: Outcome,
  options: SummaryOptions = {}
): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const { error } = options
  const text = renderSummary({
    appName: settings?.appName ?? 'app',
    host: settings?.connection.host ?? 'server',
    report,
    outcome,
    error,
    title: options.title ?? (error || !settings ? undefined : successTitle(settings, fleetTarget(settings.connection.host, outcome.hosts))),
    redact: redactor(settings)
  })
  await core.summary.addRaw(text).write()
}

/** `target`: the server, or how many app hosts (fleetTarget). */
function successTitle({ command, appName }: Settings, target: string): string {
  const titles = {
    deploy: `✅ ${appName} deployed to ${target}`,
    redeploy: `✅ ${appName} redeployed on ${target}`,
    rollback: `✅ ${appName} rolled back on ${target}`,
    status: `ℹ️ Status of ${appName} on ${target}`,
    preview: `✅ Preview of ${appName} deployed to ${target}`,
    'preview-destroy': `🧹 Preview of ${appName} removed from ${target}`
  }
  return titles[command]
}

/** The step log on the runner: each step a foldable group, detail as debug lines, secrets blanked out. */
export function actionLog(settings: () => Settings | undefined): ReportLog {
  const redact = (text: string) => redactor(settings())(text)
  return {
    info: line => core.info(redact(line)),
    debug: line => core.debug(redact(line)),
    startGroup: title => core.startGroup(redact(title)),
    endGroup: () => core.endGroup()
  }
}

export function redactor(settings: Settings | undefined): (text: string) => string {
  // Very short values (DEBUG=1) would blank out ordinary text; they are still masked in logs by core.setSecret.
  const secrets = (settings?.secrets ?? []).filter(secret => secret.length >= 4)
  return text => secrets.reduce((redacted, secret) => redacted.split(secret).join('***'), text)
}
