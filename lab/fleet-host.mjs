// One host of the fleet lab: a process holding a new network and mount namespace (`unshare --net --mount
// --propagation private -- cat`, which ends when its stdin closes, so a killed lab's holder goes with it), its
// eth0 on the lab's bridge, its own /run, /tmp, /etc/ssh (stock sshd settings, its own host keys),
// /etc/sudoers.d and home for the deploy user, and its own sshd on port 22.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { DEBIAN_SSHD_SETTINGS } from './debian-config.mjs'
import { resetHome } from './debian-users.mjs'
import { deleteLink, namespaceOf, plugHost, processesIn } from './fleet-net.mjs'
import { makeHostKeys } from './host-keys.mjs'
import { mountInside } from './namespace.mjs'
import { canConnect, isAlive, run, signal, sleep, startService, terminate } from './proc.mjs'
import { findCommand } from './provision.mjs'

/** @typedef {{ username: string, shell: string, uid: number, gid: number }} FleetUser */

/**
 * Starts the namespace holder; throws with unshare's complaint when the kernel refuses a network namespace.
 * @param {string} logFile
 */
async function holdNamespaces(logFile) {
  const ownNet = namespaceOf('self', 'net')
  const log = fs.openSync(logFile, 'a')
  const holder = spawn('unshare', ['--net', '--mount', '--propagation', 'private', '--', 'cat'], {
    detached: true,
    stdio: ['pipe', 'ignore', log]
  })
  fs.closeSync(log)
  holder.unref()
  const stdin = /** @type {any} */ (holder.stdin)
  stdin?.unref?.()
  let exited = false
  holder.on('exit', () => (exited = true))
  holder.on('error', () => (exited = true))
  const pid = /** @type {number} */ (holder.pid)
  // Ready once unshare has made the namespaces and become cat.
  const ready = () => {
    try {
      return isAlive(pid) && namespaceOf(pid, 'net') !== ownNet && fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'cat'
    } catch {
      return false
    }
  }
  const deadline = Date.now() + 10_000
  while (!exited && !ready() && Date.now() < deadline) await sleep(10)
  if (!ready()) {
    signal(pid, 'SIGKILL')
    const why = fs.readFileSync(logFile, 'utf8').trim().slice(-500) || 'no message'
    throw new Error(`lab: could not create a network and mount namespace (unshare --net --mount): ${why}`)
  }
  return { pid, stdin: holder.stdin, net: namespaceOf(pid, 'net'), mnt: namespaceOf(pid, 'mnt') }
}

/** `<dir>/etc-ssh`: the machine's /etc/ssh without its host keys, Debian's stock sshd_config and new ed25519 and ECDSA keys. */
async function buildEtcSsh(/** @type {string} */ dir, /** @type {string} */ comment, /** @type {string} */ address) {
  const etc = path.join(dir, 'etc-ssh')
  fs.cpSync('/etc/ssh', etc, { recursive: true, verbatimSymlinks: true, filter: src => !path.basename(src).startsWith('ssh_host_') })
  fs.rmSync(path.join(etc, 'sshd_config.d'), { recursive: true, force: true })
  fs.mkdirSync(path.join(etc, 'sshd_config.d'), { mode: 0o755 })
  const config = ['Include /etc/ssh/sshd_config.d/*.conf', '', ...DEBIAN_SSHD_SETTINGS, ''].join('\n')
  fs.writeFileSync(path.join(etc, 'sshd_config'), config, { mode: 0o644 })
  // No RSA key: four 3072-bit keys took 9 of a 10 s start here. sshd skips a missing default key silently.
  return { etc, hostKeys: await makeHostKeys(etc, comment, 22, address, ['ed25519', 'ecdsa']) }
}

/** `<dir>/home`: /etc/skel, the key in ~/.ssh/authorized_keys and an empty `remoteDir`, all the user's. */
function buildHome(
  /** @type {string} */ dir,
  /** @type {FleetUser} */ user,
  /** @type {string} */ authorizedKey,
  /** @type {string} */ remoteDir
) {
  const home = path.join(dir, 'home')
  resetHome(/** @type {any} */ ({ ...user, key: 'fleet', home }), authorizedKey)
  const remote = path.join(home, remoteDir)
  fs.mkdirSync(remote, { mode: 0o755 })
  fs.chownSync(remote, user.uid, user.gid)
  return home
}

/**
 * @param {{ name: string, address: string, dir: string, bridge: string, veth: string, labId: string, user: FleetUser,
 *   authorizedKey: string, remoteDir: string, binds?: [string, string][], onNamespaces(ns: { net: string, mnt: string }): void }} opts
 */
export function fleetHost(opts) {
  const { name, address, dir, user } = opts
  const f = (/** @type {string} */ file) => path.join(dir, file)
  /** @type {Awaited<ReturnType<typeof holdNamespaces>> | undefined} */
  let holder
  /** @type {{ fingerprint: string, knownHosts: string } | undefined} */
  let hostKey
  const members = () => (holder ? processesIn([holder]).filter(p => p !== holder?.pid) : [])
  const enter = () => ['-t', String(holder?.pid), '-n', '-m', '--']
  /** Starts a daemon inside the host; resolves once it accepts on address:port. @param {string} what @param {string[]} argv @param {number} port @param {string} log */
  const startDaemon = (what, argv, port, log) =>
    startService(`${what} on ${name} (${address}:${port})`, 'nsenter', [...enter(), ...argv], f(log), () => canConnect(port, address))

  return {
    name,
    address,
    /** Makes the namespaces, plugs them into the bridge, mounts the host's own dirs and starts sshd. */
    async start() {
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 })
      holder = await holdNamespaces(f('namespace.log'))
      opts.onNamespaces({ net: holder.net, mnt: holder.mnt })
      const [{ etc, hostKeys }] = await Promise.all([
        buildEtcSsh(dir, `${user.username}-fleet-${opts.labId}-${name}`, address),
        plugHost({ bridge: opts.bridge, veth: opts.veth, pid: holder.pid, address })
      ])
      hostKey = hostKeys.ed25519
      const home = buildHome(dir, user, opts.authorizedKey, opts.remoteDir)
      fs.mkdirSync(f('tmp'), { mode: 0o1777 })
      fs.chmodSync(f('tmp'), 0o1777)
      const own = /** @type {[string, string][]} */ ([
        [etc, '/etc/ssh'],
        [home, `/home/${user.username}`]
      ])
      // The host's own /tmp last: a checkout under /tmp (a CI clone) holds the lab dir every other bind comes from.
      await mountInside(holder.pid, [...own, ...(opts.binds ?? []), [f('tmp'), '/tmp']])
      const sshd = findCommand('sshd') ?? '/usr/sbin/sshd'
      await startDaemon('sshd', [sshd, '-D', '-e'], 22, 'sshd.log')
    },
    startDaemon,
    /** `sh -c command` as root inside the host's namespaces. @param {string} command */
    exec: (/** @type {string} */ command) => run('nsenter', [...enter(), 'sh', '-c', command]),
    get pid() {
      return /** @type {number} */ (holder?.pid)
    },
    get netns() {
      return holder?.net ?? ''
    },
    get hostKey() {
      return /** @type {{ fingerprint: string, knownHosts: string }} */ (hostKey)
    },
    sshdLog: f('sshd.log'),
    members,
    /** Ends every process in the host (sshd, nginx, apps, sessions), then the holder, and removes the veth. */
    async stop() {
      await terminate(members())
      holder?.stdin?.destroy()
      if (holder) await terminate([holder.pid])
      // A session sshd forked while the first pass ran would keep the namespace alive.
      for (let pass = 0; pass < 3 && members().length > 0; pass++) await terminate(members())
      deleteLink(opts.veth)
    },
    emergencyKill() {
      for (const p of [...members(), ...(holder ? [holder.pid] : [])]) signal(p, 'SIGKILL')
      deleteLink(opts.veth)
    }
  }
}
