// Runs the bundled action (dist/index.js) the way the GitHub runner does: inputs as INPUT_* variables,
// outputs and job summary written to the files named by GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './sample-app.mjs'

export const distEntry = join(repoRoot, 'dist', 'index.js')

/**
 * @typedef {{ code: number | null, signal: string | null, stdout: string, stderr: string, outputs: Record<string, string>, summary: string, state: Record<string, string> }} ActionRun
 * @typedef {{ extraEnv?: Record<string, string>, state?: Record<string, string>, interrupt?: { when: RegExp, signal?: NodeJS.Signals, run?: (child: import('node:child_process').ChildProcess) => unknown } }} RunOptions
 */

/**
 * Runs the main step, or the post step when `state` (what the main step saved) is given.
 * `interrupt`, once stdout matches `when`, sends `signal` (as a runner does when a job is cancelled or
 * dies) and/or calls `run` with the action's process (to break something while the action works).
 * @param {Record<string, string>} inputs action inputs by their action.yml names
 * @param {RunOptions} [options]
 * @returns {Promise<ActionRun>}
 */
export async function runAction(inputs, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'action-run-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  const stateFile = join(dir, 'state')
  for (const file of [outputFile, summaryFile, stateFile]) writeFileSync(file, '')
  /** @type {Record<string, string>} */
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_STATE: stateFile,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_ACTOR: 'octocat',
    GITHUB_RUN_ID: '42',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: 'deadbeef',
    ...options.extraEnv
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value
  try {
    const { code, signal, stdout, stderr } = await spawnNode(env, options.interrupt)
    return {
      code,
      signal,
      stdout,
      stderr,
      outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
      state: parseOutputs(readFileSync(stateFile, 'utf8'))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * @param {Record<string, string>} env @param {RunOptions['interrupt']} interrupt
 * @returns {Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string }>}
 */
function spawnNode(env, interrupt) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [distEntry], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let interrupted = false
    child.stdout.on('data', chunk => {
      stdout += chunk
      if (interrupt && !interrupted && interrupt.when.test(stdout)) {
        interrupted = true
        if (interrupt.signal) child.kill(interrupt.signal)
        interrupt.run?.(child)
      }
    })
    child.stderr.on('data', chunk => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/**
 * GITHUB_OUTPUT holds `name<<DELIMITER\nvalue\nDELIMITER` blocks.
 * @param {string} text
 */
export function parseOutputs(text) {
  /** @type {Record<string, string>} */
  const outputs = {}
  for (const match of text.matchAll(/^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[match[1]] = match[3]
  return outputs
}

/** The inputs that point the action at a lab (connection, nginx, slots); tests and the demo add the rest. verify-url stays 'auto'. */
/** @param {import('./lab.mjs').Lab} lab @param {string} app */
export function labInputs(lab, app) {
  return {
    host: lab.host,
    port: String(lab.wan?.port ?? lab.sshPort),
    username: lab.username,
    'private-key': lab.privateKey,
    'host-fingerprint': lab.hostFingerprint,
    'app-name': app,
    'remote-dir': `${lab.remoteRoot}/${app}`,
    ports: lab.ports.join(','),
    'nginx-include': lab.nginxInclude,
    'nginx-test-command': lab.nginxTestCommand,
    'nginx-reload-command': lab.nginxReloadCommand
  }
}

/**
 * Only the connection inputs and the app name, as a user on a debian-profile lab would set them (everything
 * else is the action's default: ports 8080,8081, the include /etc/nginx/conf.d/service-url.inc, sudo nginx).
 * @param {import('./lab.mjs').DebianLab} lab @param {string} app @param {import('./lab.mjs').DebianUserKey} [user]
 */
export function debianInputs(lab, app, user = 'deploy') {
  const u = lab.users[user]
  return {
    host: lab.host,
    port: String(lab.sshPort),
    username: u.username,
    'private-key': u.privateKey,
    'host-fingerprint': lab.hostFingerprint,
    'app-name': app
  }
}
