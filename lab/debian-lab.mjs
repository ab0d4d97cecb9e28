// The debian lab profile: a server set up the way the common Debian/Ubuntu guides do it, for end-to-end
// tests. nginx in the Debian layout with the app on 443 ssl, users `deploy` (greeting ~/.bashrc), `deploy-zsh`
// and `deploy-fish` whose sudo is exactly the README's rule, sshd with Debian's stock settings. It uses the
// default ports (80, 443, 8080, 8081), so one runs at a time on a machine (a lock serialises them).
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {
  APP_PORTS,
  FIXED_PORTS,
  GREETING,
  MANAGEMENT_PORTS,
  NGINX_INCLUDE,
  SERVER_NAME,
  sshdConfig,
  sudoersRule
} from './debian-config.mjs'
import { assertSudoSetup, buildNginxEtc, buildSudoers } from './debian-etc.mjs'
import { prepareUsers, processesOf, profileUsers, resetHome } from './debian-users.mjs'
import { makeHostKeys } from './host-keys.mjs'
import { startImageServices } from './images.mjs'
import { holdNamespace } from './namespace.mjs'
import * as proc from './proc.mjs'
import { ensureProvisioned, findCommand, groupInfo } from './provision.mjs'
import { buildSampleJar, repoRoot } from './sample-app.mjs'

const LOCK_FILE = '/tmp/bgdeploy-lab-debian.lock'
/** @type {Set<{ emergencyKill(): void }>} */
const liveLabs = new Set()

/** @param {string} keyPath @param {string} knownHostsPath @param {number} port @param {string} user */
function sshArgs(keyPath, knownHostsPath, port, user) {
  const opts = ['BatchMode=yes', 'IdentitiesOnly=yes', 'IdentityAgent=none', `UserKnownHostsFile=${knownHostsPath}`]
  opts.push('GlobalKnownHostsFile=/dev/null', 'StrictHostKeyChecking=yes', 'ConnectTimeout=10', 'LogLevel=ERROR')
  return ['-F', 'none', '-i', keyPath, '-p', String(port), ...opts.flatMap(o => ['-o', o]), `${user}@127.0.0.1`]
}

/** Resolves once every nginx worker is one started after `before` (the reload is in effect). */
async function waitForNewWorkers(/** @type {number} */ master, /** @type {Set<number>} */ before) {
  const deadline = Date.now() + 15_000
  for (;;) {
    const now = proc.childrenOf(master)
    if (now.length > 0 && now.every(p => !before.has(p))) return
    if (Date.now() > deadline) throw new Error(`lab: nginx workers ${[...before].join(', ')} still run 15 s after the reload`)
    await proc.sleep(25)
  }
}

/**
 * Starts a debian-profile lab; waits (up to lockTimeoutMs, default 15 min) while another one runs.
 * @param {{ name?: string, images?: boolean, lockTimeoutMs?: number }} [options]
 */
export async function startDebianLab(options = {}) {
  if (process.getuid?.() !== 0) throw new Error('lab: startDebianLab() must run as root (it starts sshd and nginx)')
  await ensureProvisioned({ images: options.images, debian: true })
  assertSudoSetup()
  const users = profileUsers()
  const uids = users.map(u => u.uid)
  const labId = randomBytes(4).toString('hex')
  const dir = path.join(repoRoot, '.lab', `${options.name ?? 'debian'}-${labId}`)
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 })
  const f = (/** @type {string} */ name) => path.join(dir, name)

  /** @type {Awaited<ReturnType<typeof holdNamespace>> | undefined} */
  let ns
  /** @type {Awaited<ReturnType<typeof startImageServices>> | undefined} */
  let images
  /** @type {{ sshd?: number, nginx?: number }} */
  const pids = {}
  /** @type {Set<number>} */
  const ports = new Set()
  let fixedReserved = false
  const daemons = () => /** @type {number[]} */ ([pids.nginx, pids.sshd].filter(p => p !== undefined))
  // Only with the lock held are the users' processes and homes this lab's own.
  const cleanUp = () => {
    if (ns) for (const u of users) resetHome(u)
    if (!process.env.LAB_KEEP) fs.rmSync(dir, { recursive: true, force: true })
    proc.releasePorts(ports)
    if (fixedReserved) proc.releasePorts(FIXED_PORTS)
    liveLabs.delete(handle)
  }
  const emergencyKill = () => {
    if (ns) processesOf(uids).forEach(p => proc.signal(p, 'SIGKILL'))
    images?.emergencyKill()
    for (const p of daemons()) [p, ...proc.childrenOf(p)].forEach(c => proc.signal(c, 'SIGKILL'))
    cleanUp()
    ns?.emergencyKill()
  }
  const handle = { emergencyKill }
  liveLabs.add(handle)
  /** @type {Promise<void> | undefined} */
  let stopping
  const stop = () =>
    (stopping ??= (async () => {
      if (ns) await proc.terminate(processesOf(uids))
      await images?.stop()
      await Promise.all(daemons().map(p => proc.terminate([p, ...proc.childrenOf(p)])))
      // Homes and port reservations are released while the lock is still held: the next profile lab takes them
      // as soon as the namespace holder lets the lock go.
      cleanUp()
      await ns?.stop()
    })())

  try {
    ns = await holdNamespace({ lockFile: LOCK_FILE, timeoutMs: options.lockTimeoutMs ?? 15 * 60_000, logFile: f('namespace.log') })
    // With the lock held, any process of these users is left over from a profile lab that was killed.
    await proc.terminate(processesOf(uids))
    proc.reserveFixedPorts(FIXED_PORTS)
    fixedReserved = true
    for (const port of FIXED_PORTS)
      if (await proc.canConnect(port))
        throw new Error(
          `lab: something already listens on 127.0.0.1:${port}, which the debian profile needs ` +
            '(`ss -ltnp` names it; a debian lab whose process was killed leaves its nginx and sshd running)'
        )
    while (ports.size < 2) ports.add(await proc.reservePort())
    const [sshPort, registryPort] = [...ports]

    const [hostKeys, labUsers, etcNginx, sudoers] = await Promise.all([
      makeHostKeys(dir, `bgdeploy-lab-debian-${labId}`, sshPort),
      prepareUsers(users, dir, labId),
      buildNginxEtc(dir),
      buildSudoers(
        dir,
        users.map(u => u.username)
      )
    ])
    const allHostKeys = Object.values(hostKeys)
    fs.writeFileSync(f('known_hosts'), allHostKeys.map(k => `${k.knownHosts}\n`).join(''), { mode: 0o644 })
    fs.writeFileSync(f('sshd_config'), sshdConfig({ port: sshPort, hostKeys: allHostKeys.map(k => k.path), pidFile: f('sshd.pid') }))
    for (const d of ['nginx-log', 'nginx-lib', '/var/log/nginx', '/var/lib/nginx'])
      fs.mkdirSync(path.resolve(dir, d), { recursive: true, mode: 0o755 })
    await ns.mount([
      [etcNginx, '/etc/nginx'],
      [sudoers, '/etc/sudoers.d'],
      [f('nginx-log'), '/var/log/nginx'],
      [f('nginx-lib'), '/var/lib/nginx']
    ])

    const inside = ns.enter.slice(1)
    const started = await Promise.allSettled([
      proc
        .startDaemon(
          'sshd',
          'nsenter',
          [...inside, findCommand('sshd') ?? '/usr/sbin/sshd', '-D', '-e', '-f', f('sshd_config')],
          f('sshd.log'),
          sshPort
        )
        .then(p => (pids.sshd = p)),
      proc
        .startDaemon('nginx', 'nsenter', [...inside, '/usr/sbin/nginx', '-g', 'daemon off;'], f('nginx.log'), 443)
        .then(p => (pids.nginx = p)),
      options.images
        ? startImageServices({ dir, labId, gid: /** @type {{ gid: number }} */ (groupInfo('docker')).gid, registryPort }).then(
            i => (images = i)
          )
        : undefined
    ])
    for (const r of started) if (r.status === 'rejected') throw r.reason
    // As on a server with Docker: /var/run/docker.sock, root:docker 0660, so plain `docker` works.
    if (images) await ns.bind(images.docker.socket, '/run/docker.sock')

    const byKey = Object.fromEntries(
      users.map((u, i) => [u.key, { ...labUsers[i], sshArgs: sshArgs(labUsers[i].privateKeyPath, f('known_hosts'), sshPort, u.username) }])
    )
    const deploy = byKey.deploy
    /** @param {string} command @param {{ user?: 'deploy' | 'zsh' | 'fish', timeout?: number, input?: string }} [opts] */
    const sshExec = (command, opts = {}) => proc.run('ssh', [...byKey[opts.user ?? 'deploy'].sshArgs, '--', command], opts)
    for (const u of users) {
      const check = await sshExec('true', { user: u.key })
      if (check.code !== 0)
        throw new Error(`lab: ssh login as ${u.username} failed: ${check.stderr}\n${fs.readFileSync(f('sshd.log'), 'utf8')}`)
    }
    const holder = ns.pid
    /** @param {string} command @param {{ timeout?: number, input?: string }} [opts] */
    const rootExec = (command, opts) => proc.run('nsenter', ['-t', String(holder), '-m', '--', 'sh', '-c', command], opts)
    const nginxPid = /** @type {number} */ (pids.nginx)

    return {
      profile: /** @type {const} */ ('debian'),
      dir,
      labId,
      host: '127.0.0.1',
      sshPort,
      username: deploy.username,
      privateKey: deploy.privateKey,
      privateKeyPath: deploy.privateKeyPath,
      sshArgs: deploy.sshArgs,
      users: byKey,
      greeting: GREETING,
      serverName: SERVER_NAME,
      sudoersRule,
      hostFingerprint: hostKeys.ed25519.fingerprint,
      knownHosts: hostKeys.ed25519.knownHosts,
      hostKeys,
      knownHostsPath: f('known_hosts'),
      nginxInclude: NGINX_INCLUDE,
      nginxConf: '/etc/nginx/nginx.conf',
      appSite: '/etc/nginx/sites-available/app',
      etcNginx,
      ports: APP_PORTS,
      managementPorts: MANAGEMENT_PORTS,
      pids: { holder, sshd: /** @type {number} */ (pids.sshd), nginx: nginxPid, ...images?.pids },
      ...(images ? { docker: { ...images.docker, command: 'docker' } } : {}),
      sshdConfig: f('sshd_config'),
      sshdLog: f('sshd.log'),
      nginxErrorLog: f('nginx-log/error.log'),
      sshExec,
      rootExec,
      /** @param {string} file @param {string} text */
      async writeNginxFile(file, text) {
        if (!file.startsWith('/etc/nginx/')) throw new Error(`lab: writeNginxFile(${file}): only files under /etc/nginx/`)
        const r = await proc.run('nsenter', ['-t', String(holder), '-m', '--', 'sh', '-c', 'cat > "$1"', 'sh', file], { input: text })
        if (r.code !== 0) throw new Error(`lab: writing ${file} failed: ${r.stderr}`)
      },
      async reloadNginx() {
        const before = new Set(proc.childrenOf(nginxPid))
        const r = await rootExec('nginx -t && nginx -s reload')
        if (r.code !== 0) throw new Error(`lab: nginx refused the configuration: ${r.stderr}`)
        await waitForNewWorkers(nginxPid, before)
      },
      /** @param {string} pathname @param {{ timeoutMs?: number }} [opts] */
      appGet: (pathname, opts = {}) =>
        proc.httpGet(`https://127.0.0.1${pathname}`, { ...opts, servername: SERVER_NAME, headers: { Host: SERVER_NAME } }),
      httpGet: proc.httpGet,
      freePort: () => proc.freePortExcept(ports),
      /** @param {string} version */
      sampleJar: version => buildSampleJar(version, f('jars')),
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

process.on('exit', () => {
  for (const lab of liveLabs) lab.emergencyKill()
})
