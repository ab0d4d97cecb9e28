// What the lab machine needs before a lab starts, and running lab/provision.sh when something is missing.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { IMAGE_FILES, IMAGE_TOOLS } from './images.mjs'
import { repoRoot } from './sample-app.mjs'

/** Lab users whose login shell is not a quiet bash (see provision.sh): a greeting ~/.bashrc, zsh, fish. */
export const LOGIN_SHELL_USERS = ['bglsbash', 'bglszsh', 'bglsfish']

const PROVISION_SCRIPT = path.join(repoRoot, 'lab', 'provision.sh')

/** The debian profile's users and their login shells, as provision.sh --debian creates them. */
export const PROFILE_USERS = /** @type {const} */ ([
  { key: 'deploy', username: 'deploy', shell: '/bin/bash' },
  { key: 'zsh', username: 'deploy-zsh', shell: '/usr/bin/zsh' },
  { key: 'fish', username: 'deploy-fish', shell: '/usr/bin/fish' }
])
const PROFILE_TOOLS = ['zsh', 'fish', 'openssl', 'unshare', 'nsenter', 'flock', 'visudo']
/** The fleet lab's login user (provision.sh --fleet) and what the fleet lab runs. */
const FLEET_USER = 'bgfleet'
const FLEET_TOOLS = ['ip', 'unshare', 'nsenter', 'openssl', 'visudo', 'scp', 'timeout']

/** @param {string} name @param {string[]} [dirs] @returns {string | undefined} absolute path of an executable */
export function findCommand(name, dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
  for (const dir of dirs.filter(Boolean)) {
    const p = path.join(dir, name)
    try {
      fs.accessSync(p, fs.constants.X_OK)
      return p
    } catch {
      /* next */
    }
  }
  return undefined
}

/** @param {string} name */
export function userInfo(name) {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find(l => l.startsWith(`${name}:`))
  if (!line) return undefined
  const [, , uid, gid, , home, shell] = line.split(':')
  return { uid: Number(uid), gid: Number(gid), home, shell }
}

/** @param {string} name @returns {{ gid: number, members: string[] } | undefined} */
export function groupInfo(name) {
  const line = fs
    .readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find(l => l.startsWith(`${name}:`))
  if (!line) return undefined
  const [, , gid, members] = line.split(':')
  return { gid: Number(gid), members: members ? members.split(',') : [] }
}

function profileReady() {
  const docker = groupInfo('docker')
  return (
    PROFILE_TOOLS.every(t => findCommand(t)) &&
    docker !== undefined &&
    PROFILE_USERS.every(u => userInfo(u.username)?.shell === u.shell && docker.members.includes(u.username))
  )
}

function fleetReady() {
  return FLEET_TOOLS.every(t => findCommand(t)) && userInfo(FLEET_USER)?.shell === '/bin/bash'
}

/**
 * True when provision.sh has something to do (a tool or a lab user is missing).
 * @param {{ images?: boolean, debian?: boolean, fleet?: boolean }} [opts] also check what image mode / the debian profile / the fleet lab needs
 */
export function needsProvisioning(opts = {}) {
  const shells = ['zsh', 'fish', 'tcsh', 'busybox']
  const tools = ['sshd', 'ssh', 'ssh-keygen', 'nginx', 'java', 'javac', 'jar', 'sudo', ...shells, ...(opts.images ? IMAGE_TOOLS : [])]
  return (
    tools.some(t => !findCommand(t)) ||
    !userInfo('bgdeploy') ||
    !userInfo('bgnosudo') ||
    LOGIN_SHELL_USERS.some(name => !userInfo(name)) ||
    !userInfo('bgleast') ||
    !fs.existsSync('/etc/sudoers.d/bgdeploy-login-shells') ||
    !fs.existsSync('/etc/sudoers.d/bgdeploy') ||
    !fs.existsSync('/run/sshd') ||
    (opts.images === true && IMAGE_FILES.some(f => !fs.existsSync(f))) ||
    (opts.debian === true && !profileReady()) ||
    (opts.fleet === true && !fleetReady())
  )
}

/** Runs lab/provision.sh when something is missing. @param {{ images?: boolean, debian?: boolean, fleet?: boolean }} [opts] */
export async function ensureProvisioned(opts = {}) {
  if (!needsProvisioning(opts)) return
  const flags = /** @type {const} */ (['images', 'debian', 'fleet']).filter(k => opts[k]).map(k => `--${k}`)
  const args = [PROVISION_SCRIPT, ...flags]
  const r = spawnSync('bash', args, { stdio: ['ignore', 'inherit', 'inherit'] })
  if (r.status !== 0) throw new Error(`lab provisioning failed (${PROVISION_SCRIPT} exited ${r.status})`)
}
