// A private mount namespace for a lab profile, held by one process while a machine-wide lock is held:
// `flock LOCK unshare --mount --propagation private -- cat`. Daemons started inside it with nsenter see the
// profile's own /etc/nginx, /etc/sudoers.d and /run while the host's stay untouched.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { childrenOf, isAlive, run, signal, sleep, terminate } from './proc.mjs'

/** @param {number | string} pid */
export function mountNamespaceOf(pid) {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/mnt`)
  } catch {
    return ''
  }
}

/** @param {number} pid */
function commOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return ''
  }
}

// Runs inside the namespace. $1 is the host's namespace: refusing to run there keeps a wrong PID from
// mounting over the host's /run. Then a fresh /run, and "source target" pairs to bind.
const MOUNT_SCRIPT = `set -eu
[ "$(readlink /proc/self/ns/mnt)" != "$1" ] || { echo "refusing to mount: this is the host's mount namespace" >&2; exit 1; }
shift
mount -t tmpfs -o mode=0755,nosuid,nodev lab-run /run
mkdir -m 0755 /run/sshd
mkdir -m 1777 /run/lock
ln -s /dev/shm /run/shm
while [ "$#" -ge 2 ]; do
  if [ ! -d "$1" ] && [ ! -e "$2" ]; then : > "$2"; fi
  mount --bind "$1" "$2"
  shift 2
done`

/**
 * Inside the mount namespace of `pid` (never the host's): a fresh /run, then binds each [source, target]
 * (an empty file is made for a file's target). @param {number} pid @param {[string, string][]} binds
 */
export async function mountInside(pid, binds) {
  const hostNs = mountNamespaceOf('self')
  const r = await run('nsenter', ['-t', String(pid), '-m', '--', 'sh', '-c', MOUNT_SCRIPT, 'sh', hostNs, ...binds.flat()])
  if (r.code !== 0) throw new Error(`lab: setting up the mount namespace failed: ${r.stderr}`)
}

/**
 * Waits for the machine-wide lock (at most timeoutMs), then holds a new mount namespace.
 * @param {{ lockFile: string, timeoutMs: number, logFile: string }} opts
 */
export async function holdNamespace(opts) {
  const hostNs = mountNamespaceOf('self')
  const log = fs.openSync(opts.logFile, 'a')
  const seconds = String(Math.max(1, Math.ceil(opts.timeoutMs / 1000)))
  // cat ends when its stdin closes, so the namespace and the lock go away with this process even when it is killed.
  const flock = spawn('flock', ['-w', seconds, opts.lockFile, 'unshare', '--mount', '--propagation', 'private', '--', 'cat'], {
    detached: true,
    stdio: ['pipe', 'ignore', log]
  })
  fs.closeSync(log)
  flock.unref()
  const stdin = /** @type {any} */ (flock.stdin)
  stdin?.unref?.()
  const flockPid = /** @type {number} */ (flock.pid)
  let exited = false
  flock.on('exit', () => (exited = true))
  flock.on('error', () => (exited = true))

  const findHolder = () => childrenOf(flockPid).find(p => commOf(p) === 'cat' && mountNamespaceOf(p) !== hostNs)
  let holder = findHolder()
  while (holder === undefined) {
    if (exited) {
      const owner = fs.existsSync(opts.lockFile) ? fs.readFileSync(opts.lockFile, 'utf8').trim() : ''
      throw new Error(
        `lab: another debian-profile lab (process ${owner || 'unknown'}) held ${opts.lockFile} for ${seconds} s; ` +
          `only one can run at a time (they use the default ports 80, 443, 8080, 8081). ` +
          `${fs.readFileSync(opts.logFile, 'utf8').slice(-500)}`
      )
    }
    await sleep(25)
    holder = findHolder()
  }
  fs.writeFileSync(opts.lockFile, `${process.pid}\n`)
  const pid = holder
  const ns = mountNamespaceOf(pid)

  /** Every process in the namespace but the holder. */
  const members = () =>
    fs
      .readdirSync('/proc')
      .filter(d => /^\d+$/.test(d))
      .map(Number)
      .filter(p => p !== pid && mountNamespaceOf(p) === ns && isAlive(p))

  return {
    pid,
    /** argv prefix that runs a command inside the namespace */
    enter: ['nsenter', '-t', String(pid), '-m', '--'],
    /** A fresh /run, then binds each [source, target] (an empty file is made for a file's target). @param {[string, string][]} binds */
    mount: binds => mountInside(pid, binds),
    /** @param {string} source @param {string} target */
    async bind(source, target) {
      const script = `[ "$(readlink /proc/self/ns/mnt)" != "$1" ] && : > "$3" && mount --bind "$2" "$3"`
      const r = await run('nsenter', ['-t', String(pid), '-m', '--', 'sh', '-c', script, 'sh', hostNs, source, target])
      if (r.code !== 0) throw new Error(`lab: binding ${source} to ${target} in the mount namespace failed: ${r.stderr}`)
    },
    members,
    /** Ends what is left in the namespace, then the holder and the lock. */
    async stop() {
      await terminate(members())
      flock.stdin?.destroy()
      await terminate([pid, flockPid])
    },
    emergencyKill() {
      for (const p of [...members(), pid, flockPid]) signal(p, 'SIGKILL')
    }
  }
}
