// The lab sshd's host keys: one of each type a stock OpenSSH server has (ssh-keygen -A makes the same three),
// so clients must cope with a server that can present any of them.
import fs from 'node:fs'
import path from 'node:path'
import { must } from './proc.mjs'

/** @typedef {'ed25519' | 'ecdsa' | 'rsa'} HostKeyKind */
/** @typedef {{ type: string, path: string, fingerprint: string, knownHosts: string }} LabHostKey */

/** @type {HostKeyKind[]} */
export const HOST_KEY_KINDS = ['ed25519', 'ecdsa', 'rsa']

/**
 * Generates the host keys in `dir` (named as sshd's defaults in /etc/ssh; all three kinds unless `kinds` says)
 * and describes each as a client would pin it for `host`:`sshPort` (known_hosts names port 22 without brackets).
 * @param {string} dir @param {string} comment @param {number} sshPort
 * @returns {Promise<Record<HostKeyKind, LabHostKey>>}
 */
export async function makeHostKeys(dir, comment, sshPort, host = '127.0.0.1', kinds = HOST_KEY_KINDS) {
  const pattern = sshPort === 22 ? host : `[${host}]:${sshPort}`
  const keys = await Promise.all(
    kinds.map(async kind => {
      const file = path.join(dir, `ssh_host_${kind}_key`)
      await must('ssh-keygen', ['-q', '-t', kind, '-N', '', '-C', comment, '-f', file])
      const [type, data] = fs.readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/)
      const fingerprint = (await must('ssh-keygen', ['-lf', `${file}.pub`])).split(/\s+/)[1]
      return [kind, { type, path: file, fingerprint, knownHosts: `${pattern} ${type} ${data}` }]
    })
  )
  return /** @type {Record<HostKeyKind, LabHostKey>} */ (Object.fromEntries(keys))
}
