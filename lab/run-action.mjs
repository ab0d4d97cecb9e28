// Runs the bundled action (dist/index.js) the way the GitHub runner does: inputs as INPUT_* variables,
// outputs and job summary written to the files named by GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './sample-app.mjs'

export const distEntry = join(repoRoot, 'dist', 'index.js')

/**
 * @param {Record<string, string>} inputs action inputs by their action.yml names
 * @param {Record<string, string>} [extraEnv]
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string, outputs: Record<string, string>, summary: string }>}
 */
export async function runAction(inputs, extraEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'action-run-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  /** @type {Record<string, string>} */
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_ACTOR: 'octocat',
    GITHUB_RUN_ID: '42',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: 'deadbeef',
    ...extraEnv
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  try {
    const { code, stdout, stderr } = await spawnNode(env)
    return { code, stdout, stderr, outputs: parseOutputs(readFileSync(outputFile, 'utf8')), summary: readFileSync(summaryFile, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** @param {Record<string, string>} env */
function spawnNode(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [distEntry], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
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

/** The inputs that point the action at a lab (connection, nginx, slots); tests and the demo add the rest. */
/** @param {import('./lab.mjs').Lab} lab @param {string} app */
export function labInputs(lab, app) {
  return {
    host: lab.host,
    port: String(lab.sshPort),
    username: lab.username,
    'private-key': lab.privateKey,
    'host-fingerprint': lab.hostFingerprint,
    'app-name': app,
    'remote-dir': `${lab.remoteRoot}/${app}`,
    ports: lab.ports.join(','),
    'nginx-include': lab.nginxInclude,
    'nginx-test-command': lab.nginxTestCommand,
    'nginx-reload-command': lab.nginxReloadCommand,
    'verify-url': `http://127.0.0.1:${lab.nginxPort}/actuator/health`
  }
}
