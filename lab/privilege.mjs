// The lab's least-privilege side: a login user whose only sudo rule is the README's, adapted to the
// lab's nginx paths, and a self-signed certificate for the lab's TLS server block.
import fs from 'node:fs'
import path from 'node:path'
import { appPids, must, signal, terminate } from './proc.mjs'

export const LEAST_USER = 'bgleast'
const SUDOERS_DIR = '/etc/sudoers.d'

/** @param {string} word sudoers treats `\ , : =` as special inside a command */
const escapeSudoers = word => word.replace(/[\\,:=]/g, '\\$&')

/**
 * The README's rule with the lab's paths: tee of the include, and the lab nginx's test, dump and reload.
 * @param {string} user @param {{ include: string, nginxBin: string, nginxConf: string, teeBin: string }} paths
 */
export function leastPrivilegeRule(user, { include, nginxBin, nginxConf, teeBin }) {
  const nginx = (/** @type {string[]} */ ...args) => [nginxBin, '-c', nginxConf, ...args]
  const commands = [[teeBin, include], nginx('-t'), nginx('-T'), nginx('-s', 'reload')]
  return `${user} ALL=(root) NOPASSWD: ${commands.map(argv => argv.map(escapeSudoers).join(' ')).join(', ')}`
}

/**
 * Installs `line` as its own sudoers file (checked by visudo first); the returned function removes it.
 * @param {string} name file name under /etc/sudoers.d: letters, digits, - and _ (sudo skips names with a dot)
 * @param {string} line
 */
export async function installSudoers(name, line) {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`lab: bad sudoers file name ${name}`)
  const file = path.join(SUDOERS_DIR, name)
  const tmp = `${file}.tmp`
  fs.writeFileSync(tmp, `${line}\n`, { mode: 0o440 })
  try {
    await must('visudo', ['-cqf', tmp])
    fs.renameSync(tmp, file)
  } finally {
    fs.rmSync(tmp, { force: true })
  }
  return () => fs.rmSync(file, { force: true })
}

/**
 * The least-privilege user's part of a lab: its sudoers file and a remote dir it owns.
 * @param {{ labId: string, user: { uid: number, gid: number, home: string }, include: string, nginxBin: string, nginxConf: string }} opts
 */
export async function setUpLeastPrivilege({ labId, user, include, nginxBin, nginxConf }) {
  const sudoersLine = leastPrivilegeRule(LEAST_USER, { include, nginxBin, nginxConf, teeBin: '/usr/bin/tee' })
  const remoteRoot = path.join(user.home, `lab-${labId}`)
  fs.mkdirSync(remoteRoot, { recursive: true, mode: 0o755 })
  fs.chownSync(remoteRoot, user.uid, user.gid)
  const removeSudoers = await installSudoers(`bglab-${labId}-least`, sudoersLine)
  const emergencyKill = () => {
    removeSudoers()
    appPids(remoteRoot, user.uid).forEach(p => signal(p, 'SIGKILL'))
    fs.rmSync(remoteRoot, { recursive: true, force: true })
  }
  const stop = async () => {
    removeSudoers()
    await terminate(appPids(remoteRoot, user.uid))
    fs.rmSync(remoteRoot, { recursive: true, force: true })
  }
  return { username: LEAST_USER, uid: user.uid, remoteRoot, sudoersLine, stop, emergencyKill }
}

/**
 * A self-signed certificate for `name` (the check through nginx does not verify it, but it does use TLS).
 * @param {string} dir @param {string} name
 */
export async function selfSignedCert(dir, name) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  const cert = path.join(dir, 'cert.pem')
  const key = path.join(dir, 'key.pem')
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert]
  await must('openssl', args)
  return { cert, key }
}
