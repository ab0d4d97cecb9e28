/** The main step: reads the settings, runs the command, and reports. The one place that catches errors. */
import * as core from '@actions/core'
import * as github from '@actions/github'
import { boundary } from './boundary.js'
import type { OperationContext, OperationOutcome } from './context.js'
import { emptyOutcome } from './outcome.js'
import { ActionError } from './errors.js'
import { acquireLock, haltOnLoss } from './lock.js'
import type { HeldCommand, Remote } from './ssh/remote.js'
import { Report } from './report/report.js'
import { runOperation } from './operations.js'
import { destroyPreview, runPreview } from './preview/preview.js'
import { REPAIR_STATE, type Progress } from './progress.js'
import { readSettings, type Settings } from './settings/settings.js'
import { SshRemote } from './ssh/ssh-remote.js'
import { actionLog, redactor, setOutputs, writeSummary } from './report/outputs.js'
import { logFailure, logWarning } from './report/safe-text.js'
import { tracedRemote } from './ssh/traced-remote.js'
import { findJar } from './runtimes/artifact.js'
import { runInfo } from './run-info.js'
import { singleServer } from './wiring.js'
import { connectFleet } from './fleet/connect-fleet.js'
import { runFleetOperation } from './fleet/fleet-operations.js'

export async function run(): Promise<void> {
  const cancel = new AbortController()
  const onSignal = (signal: string) => {
    logWarning(`Received ${signal}: stopping at the next safe point and putting the server back in order.`)
    cancel.abort()
  }
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
  let settings: Settings | undefined
  const report = new Report(
    actionLog(() => settings),
    cancel.signal
  )
  const outcome = emptyOutcome()
  let opened: SshRemote[] = []
  let lock: HeldCommand | undefined
  try {
    settings = readSettings(name => core.getInput(name), process.env.GITHUB_REPOSITORY ?? '', github.context.payload.pull_request?.number)
    settings.secrets.forEach(secret => core.setSecret(secret))
    const artifact = settings.artifact
    const jar =
      artifact.kind === 'jar'
        ? await report.step('Find jar', async note => {
            const found = await findJar(artifact.pattern)
            note(`${found.path} (${(found.size / 1048576).toFixed(1)} MiB, sha256 ${found.sha256.slice(0, 12)})`)
            return found
          })
        : null
    const fleet = settings.fleet.upstream ? await connectFleet(settings, report) : null
    opened = fleet ? fleet.opened : [await connect(settings, report)]
    const connected = fleet ? fleet.nginx : traced(opened[0], settings, report)
    const info = runInfo()
    const config = settings
    // Previews take their own locks (the preview's, then the preview registry's); status takes none.
    await boundary('connected')
    if (['deploy', 'redeploy', 'rollback'].includes(settings.command)) {
      lock = await report.step('Take deploy lock', async () => acquireLock(connected, config, info))
      haltOnLoss(lock, report, connected)
      await boundary('locked')
    }
    const ctx = { settings, remote: connected, report, outcome, run: info, progress: saveProgress, jar, wire: singleServer }
    const operation = fleet ? await runFleetOperation(ctx, fleet) : await dispatch(ctx)
    setOutputs(operation.kind === 'status' ? 'ok' : 'deployed', outcome, report, operation)
    await writeSummary(settings, report, outcome)
  } catch (error) {
    const failure = error instanceof ActionError ? error : new ActionError((error as Error).message ?? String(error))
    setOutputs('failed', outcome, report)
    await writeSummary(settings, report, outcome, { error: failure }).catch(() => {})
    if (outcome.logTail) report.block('Log of the new version (last lines)', outcome.logTail)
    logFailure(
      redactor(settings)(
        [failure.message, failure.serverState && `Server state: ${failure.serverState}`, failure.hint && `What to do: ${failure.hint}`]
          .filter(Boolean)
          .join('\n')
      )
    )
  } finally {
    await lock?.release().catch(() => {})
    await Promise.all(opened.map(remote => remote.close()))
  }
}

async function connect(settings: Settings, report: Report): Promise<SshRemote> {
  const connection = settings.connection
  const remote = await report.step('Connect', async note => {
    const connected = await SshRemote.connect(connection, {
      onGreeting: text => {
        logWarning(text)
        report.warn(text)
      }
    })
    const via = connection.proxy ? ` via ${connection.proxy.host}:${connection.proxy.port}` : ''
    note(`${connection.username}@${connection.host}:${connection.port}${via}, host key ${connected.hostFingerprint}`)
    return connected
  })
  if (connection.skipHostKeyCheck) {
    const text =
      `insecure-skip-host-key-check is true: the server's host key (${remote.hostFingerprint}) was not verified. Pin it ` +
      `with 'host-fingerprint'.`
    logWarning(text)
    report.warn(text)
  }
  return remote
}

/** Every remote command's label, result and time go to the debug log. */
function traced(remote: SshRemote, { connection }: Settings, report: Report): Remote {
  return tracedRemote(remote, `${connection.username}@${connection.host}:${connection.port}`, line => report.debug(line))
}

/** The preview commands run the others on a pull request's own instance. */
function dispatch(ctx: OperationContext): Promise<OperationOutcome> {
  if (ctx.settings.command === 'preview') return runPreview(ctx, runOperation)
  if (ctx.settings.command === 'preview-destroy') return destroyPreview(ctx)
  return runOperation(ctx)
}

/** The post step reads this to repair a deploy that was killed between starting the new version and the switch. */
function saveProgress(progress: Progress): void {
  core.saveState(REPAIR_STATE, JSON.stringify(progress))
}
