/** The run's step outputs and its job summary, from the outcome and the report. */
import * as core from '@actions/core'
import type { OperationOutcome } from '../context.js'
import type { Outcome } from '../outcome.js'
import type { ActionError } from '../errors.js'
import type { Settings } from '../settings/types.js'
import type { Report, ReportLog } from './report.js'
import { oneLine } from './safe-text.js'
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
    title: options.title ?? (error || !settings ? undefined : successTitle(settings)),
    redact: redactor(settings)
  })
  await core.summary.addRaw(text).write()
}

function successTitle({ command, appName, connection }: Settings): string {
  const titles = {
    deploy: `✅ ${appName} deployed to ${connection.host}`,
    redeploy: `✅ ${appName} redeployed on ${connection.host}`,
    rollback: `✅ ${appName} rolled back on ${connection.host}`,
    status: `ℹ️ Status of ${appName} on ${connection.host}`,
    preview: `✅ Preview of ${appName} deployed to ${connection.host}`,
    'preview-destroy': `🧹 Preview of ${appName} removed from ${connection.host}`
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
