/**
 * The post step. When the main step died (runner crash, job cancelled past the grace period, lost
 * connection) it takes the deploy lock and then either puts the server back (the switch was not
 * verified) or finishes the deploy (traffic had moved). It touches only what its own run started and wrote.
 */
import * as core from '@actions/core'
import * as github from '@actions/github'
import { emptyOutcome } from './outcome.js'
import { ActionError } from './errors.js'
import { acquireLock, haltOnLoss } from './lock.js'
import { previewInstance, previewLock } from './preview/instance.js'
import { REPAIR_STATE, parseProgress } from './progress.js'
import type { HeldCommand } from './ssh/remote.js'
import { Report } from './report/report.js'
import { finishInterrupted, repairInterrupted } from './repair.js'
import { actionLog, redactor, writeSummary } from './report/outputs.js'
import { runInfo } from './run-info.js'
import { readSettings, type Settings } from './settings/settings.js'
import { logFailure, logWarning } from './report/safe-text.js'
import { SshRemote } from './ssh/ssh-remote.js'
import { tracedRemote } from './ssh/traced-remote.js'
import { singleServer } from './wiring.js'
import { repairAcrossHosts } from './fleet/fleet-repair.js'
import { connectFleet, type FleetConnections } from './fleet/connect-fleet.js'
import { wireFleet } from './fleet/fleet-operations.js'
import type { FleetInFlight } from './progress.js'

export async function run(): Promise<void> {
  const progress = parseProgress(core.getState(REPAIR_STATE))
  if (!progress || progress.phase === 'done') return
  if (progress.phase === 'fleet') return postAcrossHosts(progress)
  let settings: Settings | undefined
  const report = new Report(actionLog(() => settings))
  const outcome = emptyOutcome()
  let remote: SshRemote | undefined
  let lock: HeldCommand | undefined
  const finishing = progress.phase === 'switched'
  try {
    logWarning(
      finishing
        ? 'The deploy stopped after traffic had moved to the new version: finishing it (old version, state, history).'
        : 'The deploy did not finish: putting the server back as it was before it.'
    )
    const inputs = readSettings(
      name => core.getInput(name),
      process.env.GITHUB_REPOSITORY ?? '',
      github.context.payload.pull_request?.number
    )
    inputs.secrets.forEach(secret => core.setSecret(secret))
    settings = progress.preview ? previewInstance(inputs, progress.preview.number, progress.preview.ports) : inputs
    const config = settings
    remote = await report.step('Connect', async () => SshRemote.connect(config.connection, { onGreeting: logWarning }))
    const { username, host, port } = config.connection
    const connected = tracedRemote(remote, `${username}@${host}:${port}`, line => report.debug(line))
    // A preview's deploy holds the preview's own lock, not one in the instance's directory.
    const lockOf = progress.preview ? previewLock(inputs, progress.preview.number) : config
    const run = runInfo()
    lock = await report.step('Take deploy lock', async () => acquireLock(connected, lockOf, run))
    haltOnLoss(lock, report, connected)
    // The runtime the interrupted run used, whatever this run's inputs say.
    const wired = singleServer(
      { settings, remote: connected, report, outcome, run, progress: () => {} },
      { mode: progress.mode, ref: progress.ref }
    )
    await (finishing ? finishInterrupted : repairInterrupted)({ ...wired, progress })
    const verb = finishing ? 'Finished the deploy of' : 'Repaired'
    await writeSummary(settings, report, outcome, {
      title: `🔧 ${verb} ${settings.appName} on ${settings.connection.host} after an interrupted deploy`
    })
  } catch (error) {
    const failure = error instanceof ActionError ? error : new ActionError((error as Error).message)
    await writeSummary(settings, report, outcome, {
      error: failure,
      title: `❌ Repair of ${settings?.appName ?? 'the app'} after an interrupted deploy failed`
    }).catch(() => {})
    const where = `the nginx include and the ${progress.target.color} slot (port ${progress.target.port})`
    logFailure(
      redactor(settings)(
        `Could not repair the interrupted deploy: ${failure.message}\nCheck ${where} on the server by hand, or run the deploy again.`
      )
    )
  } finally {
    await lock?.release().catch(() => {})
    await remote?.close()
  }
}

/** A deploy across hosts: the nginx host's lock, and every host connected. */
async function postAcrossHosts(progress: FleetInFlight): Promise<void> {
  let settings: Settings | undefined
  const report = new Report(actionLog(() => settings))
  const outcome = emptyOutcome()
  let fleet: FleetConnections | undefined
  let lock: HeldCommand | undefined
  try {
    logWarning('The deploy across hosts did not finish: putting nginx back where it is safe, and finishing or undoing each host.')
    settings = readSettings(name => core.getInput(name), process.env.GITHUB_REPOSITORY ?? '')
    settings.secrets.forEach(secret => core.setSecret(secret))
    const config = settings
    fleet = await connectFleet(config, report)
    const nginx = fleet.nginx
    const run = runInfo()
    lock = await report.step('Take deploy lock', async () => acquireLock(nginx, config, run))
    haltOnLoss(lock, report, nginx)
    const base = { settings, remote: nginx, report, outcome, run, progress: () => {}, jar: null, wire: singleServer }
    await repairAcrossHosts(wireFleet(base, { mode: progress.mode, ref: progress.ref }, fleet), progress)
    await writeSummary(settings, report, outcome, { title: `🔧 Repaired ${settings.appName} after an interrupted deploy across hosts` })
  } catch (error) {
    const failure = error instanceof ActionError ? error : new ActionError((error as Error).message)
    const title = `❌ Repair of ${settings?.appName ?? 'the app'} after an interrupted deploy failed`
    await writeSummary(settings, report, outcome, { error: failure, title }).catch(() => {})
    logFailure(
      redactor(settings)(
        `Could not repair the interrupted deploy: ${failure.message}\nCheck the nginx include and the app hosts, or run the deploy again.`
      )
    )
  } finally {
    await lock?.release().catch(() => {})
    await Promise.all((fleet?.opened ?? []).map(remote => remote.close()))
  }
}
