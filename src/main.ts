/** Reads the settings, runs the deploy, and reports. The one place that catches errors. */
import { randomBytes } from 'node:crypto'
import * as core from '@actions/core'
import * as github from '@actions/github'
import { findJar } from './artifact.js'
import { boundary } from './boundary.js'
import type { RunInfo } from './deploy-steps.js'
import { ActionError } from './errors.js'
import { acquireLock, haltOnLoss } from './lock.js'
import type { HeldCommand } from './remote.js'
import { Report } from './report.js'
import { runOperation, type OperationOutcome } from './operations.js'
import { REPAIR_STATE, type Progress } from './progress.js'
import { readSettings, type Settings } from './settings.js'
import { SshRemote } from './ssh.js'
import { logBlock, logFailure, logWarning, oneLine } from './safe-text.js'
import { renderSummary } from './summary.js'

export async function run(): Promise<void> {
  const cancel = new AbortController()
  const onSignal = (signal: string) => {
    logWarning(`Received ${signal}: stopping at the next safe point and putting the server back in order.`)
    cancel.abort()
  }
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
  const report = new Report(line => core.info(line), cancel.signal)
  let settings: Settings | undefined
  let remote: SshRemote | undefined
  let lock: HeldCommand | undefined
  try {
    settings = readSettings(name => core.getInput(name), process.env.GITHUB_REPOSITORY ?? '', github.context.payload.pull_request?.number)
    settings.secrets.forEach(secret => core.setSecret(secret))
    const artifact = settings.artifact
    const jar = artifact.kind === 'jar' ? await report.step('Find jar', async note => {
      const found = await findJar(artifact.pattern)
      note(`${found.path} (${(found.size / 1048576).toFixed(1)} MiB, sha256 ${found.sha256.slice(0, 12)})`)
      return found
    }) : null
    remote = await connect(settings, report)
    const connected = remote
    const info = runInfo()
    const config = settings
    // Previews take their own locks (the preview's, then the preview registry's); status takes none.
    await boundary('connected')
    if (['deploy', 'redeploy', 'rollback'].includes(settings.command)) {
      lock = await report.step('Take deploy lock', async () => acquireLock(connected, config, info))
      haltOnLoss(lock, report, connected)
      await boundary('locked')
    }
    const outcome = await runOperation({ settings, remote, report, run: info, progress: saveProgress, jar })
    setOutputs(outcome.kind === 'status' ? 'ok' : 'deployed', report, outcome)
    await writeSummary(settings, report)
  } catch (error) {
    const failure = error instanceof ActionError ? error : new ActionError((error as Error).message ?? String(error))
    setOutputs('failed', report)
    await writeSummary(settings, report, failure).catch(() => {})
    if (report.logTail) logBlock('Log of the new version (last lines)', redactor(settings)(report.logTail))
    logFailure(redactor(settings)([failure.message, failure.serverState && `Server state: ${failure.serverState}`, failure.hint && `What to do: ${failure.hint}`].filter(Boolean).join('\n')))
  } finally {
    await lock?.release().catch(() => {})
    await remote?.close()
  }
}

async function connect(settings: Settings, report: Report): Promise<SshRemote> {
  const connection = settings.connection
  const remote = await report.step('Connect', async note => {
    const connected = await SshRemote.connect(connection)
    const via = connection.proxy ? ` via ${connection.proxy.host}:${connection.proxy.port}` : ''
    note(`${connection.username}@${connection.host}:${connection.port}${via}, host key ${connected.hostFingerprint}`)
    return connected
  })
  if (connection.skipHostKeyCheck) {
    const text = `insecure-skip-host-key-check is true: the server's host key (${remote.hostFingerprint}) was not verified. Pin it with 'host-fingerprint'.`
    logWarning(text)
    report.warn(text)
  }
  return remote
}

/** The post step reads this to repair a deploy that was killed between starting the new version and the switch. */
function saveProgress(progress: Progress): void {
  core.saveState(REPAIR_STATE, JSON.stringify(progress))
}

function setOutputs(result: 'deployed' | 'ok' | 'failed', report: Report, outcome?: OperationOutcome): void {
  const live = report.after ?? report.before
  const previous = outcome?.kind === 'deploy' ? outcome.previous : null
  if (outcome?.preview) {
    core.setOutput('preview-url', outcome.preview.url)
    core.setOutput('preview-port', outcome.preview.port ?? '')
  }
  if (outcome?.kind === 'status' && !outcome.preview) {
    core.setOutput('history', JSON.stringify(outcome.history))
    core.setOutput('releases', JSON.stringify(outcome.releases))
    core.setOutput('healthy', String(outcome.healthy ?? ''))
  }
  core.setOutput('result', result)
  core.setOutput('active-color', live?.color ?? '')
  core.setOutput('active-port', live?.port ?? '')
  core.setOutput('previous-color', previous?.color ?? '')
  core.setOutput('previous-port', previous?.port ?? '')
  core.setOutput('release', oneLine(report.release))
  core.setOutput('health-attempts', report.healthAttempts.length)
  core.setOutput('time-to-switch-ms', report.timeToSwitchMs ?? '')
  core.setOutput('duration-ms', report.elapsedMs())
}

export async function writeSummary(settings: Settings | undefined, report: Report, error?: ActionError, title?: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const text = renderSummary({
    appName: settings?.appName ?? 'app',
    host: settings?.connection.host ?? 'server',
    report,
    error,
    title: title ?? (error || !settings ? undefined : successTitle(settings)),
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

export function redactor(settings: Settings | undefined): (text: string) => string {
  // Very short values (DEBUG=1) would blank out ordinary text; they are still masked in logs by core.setSecret.
  const secrets = (settings?.secrets ?? []).filter(secret => secret.length >= 4)
  return text => secrets.reduce((redacted, secret) => redacted.split(secret).join('***'), text)
}

export function runInfo(): RunInfo {
  const { actor, runId, serverUrl, sha } = github.context
  const repository = process.env.GITHUB_REPOSITORY ?? ''
  const runUrl = repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : ''
  return { actor: actor ?? '', runUrl, commit: sha ?? '', token: randomBytes(6).toString('hex') }
}
