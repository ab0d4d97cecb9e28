/**
 * The post step. When the main step was killed (runner crash, job cancelled past the grace period)
 * after starting the new version but before a verified switch, it puts the server back: nginx routes
 * to what it routed to before, and the half-deployed new version is stopped.
 */
import * as core from '@actions/core'
import * as github from '@actions/github'
import type { Progress } from './deploy.js'
import { DeploySteps } from './deploy-steps.js'
import { ActionError } from './errors.js'
import { REPAIR_STATE, redactor, writeSummary } from './main.js'
import { previewInstance } from './preview.js'
import { Report } from './report.js'
import { ImageRuntime } from './runtimes/image.js'
import { JarRuntime } from './runtimes/jar.js'
import { readSettings, type Settings } from './settings.js'
import { SshRemote } from './ssh.js'

export async function runPost(): Promise<void> {
  const saved = core.getState(REPAIR_STATE)
  const progress = saved ? (JSON.parse(saved) as Progress) : null
  if (progress?.phase !== 'started') return
  const report = new Report(line => core.info(line))
  let settings: Settings | undefined
  let remote: SshRemote | undefined
  try {
    core.warning('The deploy did not finish: putting the server back as it was before it.')
    const inputs = readSettings(name => core.getInput(name), process.env.GITHUB_REPOSITORY ?? '', github.context.payload.pull_request?.number)
    inputs.secrets.forEach(secret => core.setSecret(secret))
    settings = progress.preview ? previewInstance(inputs, progress.preview.number, progress.preview.ports) : inputs
    const connection = settings.connection
    remote = await report.step('Connect', async () => SshRemote.connect(connection))
    await repair(settings, remote, report, progress)
    await writeSummary(settings, report, undefined, `🔧 Repaired ${settings.appName} on ${settings.connection.host} after an interrupted deploy`)
  } catch (error) {
    const failure = error instanceof ActionError ? error : new ActionError((error as Error).message)
    await writeSummary(settings, report, failure, `❌ Repair of ${settings?.appName ?? 'the app'} after an interrupted deploy failed`).catch(() => {})
    core.setFailed(redactor(settings)(`Could not repair the interrupted deploy: ${failure.message}\nCheck the nginx include and the ${progress.target.color} slot on the server by hand.`))
  } finally {
    await remote?.close()
  }
}

async function repair(settings: Settings, remote: SshRemote, report: Report, progress: Extract<Progress, { phase: 'started' }>): Promise<void> {
  const runtime = settings.artifact.kind === 'jar' ? JarRuntime.kept(settings, remote) : new ImageRuntime(settings, remote, '')
  const steps = new DeploySteps(settings, remote, runtime)
  const { target } = progress
  const server = await report.step('Read server state', async note => {
    const state = await steps.readServer()
    note(state.routed ? `nginx routes to ${state.routed.color} :${state.routed.port}` : 'no nginx include')
    return state
  })
  const sudo = settings.nginx.sudo === 'true' || (settings.nginx.sudo === 'auto' && !server.isRoot)
  if (server.includeText !== progress.includeBefore) {
    await report.step('Restore nginx include', async note => note(await steps.restoreNginx(progress.includeBefore, sudo)))
    await report.step(`Drain new version (${target.color})`, async note => note(await steps.drain(target, new AbortController().signal)))
  } else report.skip('Restore nginx include', 'nginx still routes as before the interrupted run')
  await report.step(`Stop new version (${target.color})`, async note => note(await runtime.stop(target.color)))
  report.before = report.after = server.routed && server.includeText === progress.includeBefore ? { color: server.routed.color, port: server.routed.port } : null
}
