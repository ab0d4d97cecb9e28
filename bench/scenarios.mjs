// The deploy methods under test. Each scenario gets a fresh lab, brings v1 up once (not measured),
// then deploys alternating versions while the load runs.
//
// A scenario is { id, title, labOptions, prepare(lab, jars), deploy(lab, jar, version) }, where
// deploy resolves to { ok, log, extra } and its wall time is the "total deploy time".
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { labInputs, runAction } from '../lab/run-action.mjs'
import { runCmd, shq, stepMs, summarySteps } from './util.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
/** What every scenario asks of the sample app: a 3 s boot and no graceful shutdown. */
export const APP_ENV = { BOOT_DELAY_MS: '3000', GRACEFUL: 'false' }

/** scp arguments equivalent to lab.sshArgs (same key, known_hosts and options). @param {import('../lab/lab.mjs').Lab} lab */
export function scpArgs(lab) {
  const args = lab.sshArgs.slice(0, -1)
  return ['-q', ...args.map((a, i) => (a === '-p' && args[i + 1] === String(lab.sshPort) ? '-P' : a))]
}

/** @param {import('../lab/lab.mjs').Lab} lab @param {string} local @param {string} remote */
export function scpTo(lab, local, remote) {
  return runCmd('scp', [...scpArgs(lab), local, `${lab.username}@${lab.host}:${remote}`], { timeoutMs: 300_000 })
}

/**
 * What people run from CI: copy the jar up, then feed the script to bash on the server.
 * @param {import('../lab/lab.mjs').Lab} lab @param {string} script file under baselines/
 * @param {string} appDir @param {string} jar @param {Record<string, string>} env
 */
async function runScript(lab, script, appDir, jar, env) {
  const remoteJar = `${appDir}/app-new.jar`
  const up = await scpTo(lab, jar, remoteJar)
  if (up.code !== 0) return { ok: false, log: `scp failed: ${up.stderr}`, extra: {} }
  const vars = Object.entries({ ...env, ...APP_ENV, APP_DIR: appDir, JAR: remoteJar }).map(([k, v]) => `${k}=${shq(v)}`)
  const r = await runCmd('ssh', [...lab.sshArgs, '--', `env ${vars.join(' ')} bash -s`], {
    input: fs.readFileSync(path.join(here, 'baselines', script)),
    timeoutMs: 240_000
  })
  return { ok: r.code === 0, log: r.stdout + r.stderr, extra: { uploadMs: Math.round(up.ms) } }
}

/** @param {import('../lab/lab.mjs').Lab} lab @param {string} dir */
async function makeRemoteDir(lab, dir) {
  const r = await lab.sshExec(`mkdir -p ${shq(dir)}`)
  if (r.code !== 0) throw new Error(`mkdir ${dir} on the lab failed: ${r.stderr}`)
}

/** @type {Scenario} */
const stopStart = {
  id: 'stop-start',
  title: 'stop, then start (same port)',
  labOptions: {},
  async prepare(lab) {
    await makeRemoteDir(lab, `${lab.remoteRoot}/stop-start`)
  },
  deploy(lab, jar) {
    // The lab's include points nginx at the blue port from the start, so that is "the" port.
    return runScript(lab, 'stop-start.sh', `${lab.remoteRoot}/stop-start`, jar, { PORT: String(lab.ports[0]) })
  }
}

/** @type {Scenario} */
const handBlueGreen = {
  id: 'bluegreen-script',
  title: 'hand-written blue/green script',
  labOptions: {},
  async prepare(lab) {
    await makeRemoteDir(lab, `${lab.remoteRoot}/bluegreen`)
  },
  deploy(lab, jar) {
    return runScript(lab, 'bluegreen.sh', `${lab.remoteRoot}/bluegreen`, jar, {
      BLUE_PORT: String(lab.ports[0]),
      GREEN_PORT: String(lab.ports[1]),
      NGINX_INCLUDE: lab.nginxInclude,
      NGINX_RELOAD: lab.nginxReloadCommand
    })
  }
}

/** Inputs for a jar-mode run of the action against a lab. @param {import('../lab/lab.mjs').Lab} lab @param {string} app @param {string} jar */
export function actionJarInputs(lab, app, jar) {
  return {
    ...labInputs(lab, app),
    jar,
    env: Object.entries(APP_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    'drain-timeout': '30s'
  }
}

/** The action's own figures for one run, read from its outputs and summary. @param {import('../lab/run-action.mjs').ActionRun} run */
function actionResult(run) {
  const steps = summarySteps(run.summary)
  return {
    ok: run.code === 0 && run.outputs.result === 'deployed',
    log: run.stdout + run.stderr,
    extra: {
      timeToSwitchOutputMs: Number(run.outputs['time-to-switch-ms']) || null,
      durationOutputMs: Number(run.outputs['duration-ms']) || null,
      healthAttempts: Number(run.outputs['health-attempts']) || null,
      readStateMs: stepMs(steps, 'Read server state'),
      healthCheckMs: stepMs(steps, 'Health check'),
      drainMs: stepMs(steps, 'Drain old version'),
      stopOldMs: stepMs(steps, 'Stop old version'),
      steps
    }
  }
}

/** @type {Scenario} */
const actionJar = {
  id: 'action-jar',
  title: 'this action, jar mode (dist/index.js)',
  labOptions: {},
  async prepare() {},
  async deploy(lab, jar) {
    return actionResult(await runAction(actionJarInputs(lab, 'shop', jar)))
  }
}

/** Image refs of the current lab, pushed to its registry by prepare(). @type {Record<string, string>} */
const imageRefs = {}

/** @type {Scenario} */
const actionImage = {
  id: 'action-image',
  title: 'this action, image mode (dist/index.js)',
  labOptions: { images: true },
  async prepare(lab) {
    const docker = /** @type {NonNullable<typeof lab.docker>} */ (lab.docker)
    for (const version of ['v1', 'v2']) imageRefs[version] = (await docker.buildImage(version)).ref
  },
  async deploy(lab, _jar, version) {
    const docker = /** @type {NonNullable<typeof lab.docker>} */ (lab.docker)
    return actionResult(
      await runAction({
        ...actionJarInputs(lab, 'shop', ''),
        jar: '',
        image: imageRefs[version],
        'docker-command': docker.command,
        'registry-username': docker.registryUser,
        'registry-password': docker.registryPassword
      })
    )
  }
}

/**
 * @typedef {{
 *   id: string, title: string, labOptions: { images?: boolean },
 *   prepare(lab: import('../lab/lab.mjs').Lab, jars: Record<string, string>): Promise<void>,
 *   deploy(lab: import('../lab/lab.mjs').Lab, jar: string, version: string): Promise<{ ok: boolean, log: string, extra: Record<string, any> }>
 * }} Scenario
 */

/** @type {Scenario[]} */
export const SCENARIOS = [stopStart, handBlueGreen, actionJar, actionImage]
