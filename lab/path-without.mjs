// A login PATH without some commands (such as `ss`, as on minimal images): one directory of links to every
// command on the standard PATH except those, for sshd's `SetEnv PATH=...`.
import fs from 'node:fs'
import path from 'node:path'

const STANDARD_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

/** Fills `dir` with links to the commands of the standard PATH (the first of each name wins) except `hidden`. */
export function pathWithout(/** @type {string} */ dir, /** @type {string[]} */ hidden) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 })
  const seen = new Set(hidden)
  for (const from of STANDARD_PATH) {
    let names = /** @type {string[]} */ ([])
    try {
      names = fs.readdirSync(from)
    } catch {
      continue
    }
    for (const name of names.filter(n => !seen.has(n))) {
      seen.add(name)
      fs.symlinkSync(path.join(from, name), path.join(dir, name))
    }
  }
  return dir
}
