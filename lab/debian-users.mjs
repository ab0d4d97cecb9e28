// The debian profile's login users (made by provision.sh --debian): a fresh home per lab run, with
// the lab's key in ~/.ssh/authorized_keys, and deploy's greeting ~/.bashrc.
import fs from 'node:fs'
import path from 'node:path'
import { GREETING, greetingBashrc } from './debian-config.mjs'
import { isAlive, must, procStatus } from './proc.mjs'
import { PROFILE_USERS, userInfo } from './provision.mjs'

/** @typedef {{ key: 'deploy' | 'zsh' | 'fish', username: string, shell: string, uid: number, gid: number, home: string }} ProfileUser */

/** @returns {ProfileUser[]} */
export function profileUsers() {
  return PROFILE_USERS.map(u => {
    const info = userInfo(u.username)
    if (!info) throw new Error(`lab: user ${u.username} is missing; run lab/provision.sh --debian as root`)
    // The home is emptied on every run: refuse anything but the home provision.sh made.
    if (info.home !== `/home/${u.username}`) throw new Error(`lab: ${u.username}'s home is ${info.home}, expected /home/${u.username}`)
    return { ...u, uid: info.uid, gid: info.gid, home: info.home }
  })
}

/** Live processes of these users (only a profile lab, which holds the lock, runs any). @param {number[]} uids */
export function processesOf(uids) {
  return fs
    .readdirSync('/proc')
    .filter(d => /^\d+$/.test(d))
    .map(Number)
    .filter(p => p !== process.pid && uids.includes(procStatus(p, 'Uid') ?? -1) && isAlive(p))
}

/** @param {ProfileUser} user @param {string} file @param {string} text @param {number} mode */
function writeOwned(user, file, text, mode) {
  fs.writeFileSync(file, text, { mode })
  fs.chmodSync(file, mode)
  fs.chownSync(file, user.uid, user.gid)
}

/**
 * Empties the user's home and copies /etc/skel into it, as useradd --create-home does; with a key, also
 * ~/.ssh/authorized_keys, and for deploy the greeting ~/.bashrc.
 * @param {ProfileUser} user @param {string} [authorizedKey]
 */
export function resetHome(user, authorizedKey) {
  fs.mkdirSync(user.home, { recursive: true, mode: 0o755 })
  for (const entry of fs.readdirSync(user.home)) fs.rmSync(path.join(user.home, entry), { recursive: true, force: true })
  for (const entry of fs.readdirSync('/etc/skel')) {
    const from = path.join('/etc/skel', entry)
    fs.cpSync(from, path.join(user.home, entry), { recursive: true, verbatimSymlinks: true })
  }
  for (const entry of fs.readdirSync(user.home, { recursive: true })) fs.lchownSync(path.join(user.home, String(entry)), user.uid, user.gid)
  fs.chownSync(user.home, user.uid, user.gid)
  if (authorizedKey === undefined) return
  if (user.key === 'deploy') {
    const skel = fs.existsSync('/etc/skel/.bashrc') ? fs.readFileSync('/etc/skel/.bashrc', 'utf8') : ''
    writeOwned(user, path.join(user.home, '.bashrc'), greetingBashrc(skel), 0o644)
  }
  const ssh = path.join(user.home, '.ssh')
  fs.mkdirSync(ssh, { mode: 0o700 })
  fs.chownSync(ssh, user.uid, user.gid)
  writeOwned(user, path.join(ssh, 'authorized_keys'), `${authorizedKey}\n`, 0o600)
}

/**
 * Makes each user's key pair in dir and gives the user a fresh home that accepts it.
 * @param {ProfileUser[]} users @param {string} dir @param {string} labId
 */
export async function prepareUsers(users, dir, labId) {
  return Promise.all(
    users.map(async user => {
      const privateKeyPath = path.join(dir, `id_ed25519_${user.key}`)
      await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${user.username}@bgdeploy-lab-${labId}`, '-f', privateKeyPath])
      resetHome(user, fs.readFileSync(`${privateKeyPath}.pub`, 'utf8').trim())
      return {
        username: user.username,
        shell: user.shell,
        uid: user.uid,
        home: user.home,
        privateKey: fs.readFileSync(privateKeyPath, 'utf8'),
        privateKeyPath,
        greeting: user.key === 'deploy' ? GREETING : undefined
      }
    })
  )
}
