// The deploy methods the WAN mode compares, each able to reach the lab's sshd directly (loopback) or
// through the lab's WAN proxy: the action, OpenSSH scp plus one ssh session running a deploy script
// (the appleboy scp-action + ssh-action way), and the hand-written baselines of scenarios.mjs.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runAction } from '../lab/run-action.mjs'
import { actionJarInputs, APP_ENV, SCENARIOS, scpTo } from './scenarios.mjs'
import { runCmd, shq, stepMs, summarySteps } from './util.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))

/** @typedef {import('../lab/lab.mjs').Lab} Lab */
/** @typedef {'loopback' | 'wan'} Link */
/** @typedef {{ ok: boolean, log: string, extra: Record<string, any> }} DeployResult */
/** @typedef {{ id: string, title: string, prepare(lab: Lab): Promise<void>, deploy(lab: Lab, jar: string, version: string): Promise<DeployResult> }} WanMethod */

/**
 * The lab as seen over one link: through the WAN proxy, ssh/scp/the action connect to its port and
 * check the host key under the name known_hosts gives sshd's own port. lab.sshExec stays on loopback.
 * @param {Lab} lab @param {Link} link @returns {Lab}
 */
export function onLink(lab, link) {
  if (link === 'loopback') return { ...lab, wan: undefined }
  const wan = /** @type {NonNullable<Lab['wan']>} */ (lab.wan)
  const args = lab.sshArgs.map((a, i) => (lab.sshArgs[i - 1] === '-p' ? String(wan.port) : a))
  const sshArgs = [...args.slice(0, -1), '-o', `HostKeyAlias=[127.0.0.1]:${lab.sshPort}`, ...args.slice(-1)]
  return { ...lab, sshPort: wan.port, sshArgs }
}

/** @param {Lab} lab @param {string} dir */
async function makeRemoteDir(lab, dir) {
  const r = await lab.sshExec(`mkdir -p ${shq(dir)}`)
  if (r.code !== 0) throw new Error(`mkdir ${dir} on the lab failed: ${r.stderr}`)
}

/** @param {string} id */
function scenario(id) {
  const sc = SCENARIOS.find(s => s.id === id)
  if (!sc) throw new Error(`no scenario ${id} in bench/scenarios.mjs`)
  return sc
}

/** @type {WanMethod} */
const action = {
  id: 'action-jar',
  title: 'this action, jar mode',
  async prepare() {},
  async deploy(lab, jar) {
    const run = await runAction(actionJarInputs(lab, 'shop', jar))
    const steps = summarySteps(run.summary)
    return {
      ok: run.code === 0 && run.outputs.result === 'deployed',
      log: run.stdout + run.stderr,
      extra: {
        uploadMs: stepMs(steps, 'Upload release'),
        timeToSwitchOutputMs: Number(run.outputs['time-to-switch-ms']) || null,
        steps
      }
    }
  }
}

/** @type {WanMethod} */
const sshAction = {
  id: 'scp-ssh-script',
  title: 'scp + one ssh session running a script',
  async prepare(lab) {
    await makeRemoteDir(lab, `${lab.remoteRoot}/ssh-action`)
  },
  async deploy(lab, jar) {
    const appDir = `${lab.remoteRoot}/ssh-action`
    const remoteJar = `${appDir}/app-new.jar`
    const up = await scpTo(lab, jar, remoteJar)
    if (up.code !== 0) return { ok: false, log: `scp failed: ${up.stderr}`, extra: {} }
    const env = {
      ...APP_ENV,
      APP_DIR: appDir,
      JAR: remoteJar,
      BLUE_PORT: String(lab.ports[0]),
      GREEN_PORT: String(lab.ports[1]),
      NGINX_INCLUDE: lab.nginxInclude,
      NGINX_TEST: lab.nginxTestCommand,
      NGINX_RELOAD: lab.nginxReloadCommand
    }
    // As ssh-action sends it: the script (with its envs exported) is the session's command, not stdin.
    const exports = Object.entries(env).map(([k, v]) => `export ${k}=${shq(v)}`)
    const script = fs.readFileSync(path.join(here, 'baselines', 'ssh-action.sh'), 'utf8')
    const r = await runCmd('ssh', [...lab.sshArgs, '--', `${exports.join('\n')}\n${script}`], { timeoutMs: 240_000 })
    return { ok: r.code === 0, log: r.stdout + r.stderr, extra: { uploadMs: Math.round(up.ms) } }
  }
}

/** @param {string} id @param {string} title @returns {WanMethod} */
function baseline(id, title) {
  const sc = scenario(id)
  return { id, title, prepare: lab => sc.prepare(lab, {}), deploy: (lab, jar, version) => sc.deploy(lab, jar, version) }
}

/** @type {WanMethod[]} */
export const WAN_METHODS = [
  action,
  sshAction,
  baseline('bluegreen-script', 'hand-written blue/green script (scp + ssh)'),
  baseline('stop-start', 'stop, then start (scp + ssh)')
]
