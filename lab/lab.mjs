// Local lab: a real sshd and nginx on loopback free ports, a login user with sudo,
// and the sample Java app, for end-to-end tests, the demo and benchmarks.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { makeHostKeys } from './host-keys.mjs'
import { startDebianLab } from './debian-lab.mjs'
import { startImageServices } from './images.mjs'
import { TLS_SERVER_NAME, writeNginxConfig } from './nginx-conf.mjs'
import { LEAST_USER, setUpLeastPrivilege } from './privilege.mjs'
import {
  appPids,
  childrenOf,
  freePortExcept,
  httpGet,
  must,
  releasePorts,
  reservePort,
  run,
  signal,
  startDaemon,
  terminate
} from './proc.mjs'
import { ensureProvisioned, findCommand, userInfo } from './provision.mjs'
import { pathWithout } from './path-without.mjs'
import { buildSampleJar, repoRoot } from './sample-app.mjs'
import { spawnWanProxy } from './wan-proxy.mjs'

export { freePort, httpGet, isAlive, releasePorts, reservePort } from './proc.mjs'
export { ensureProvisioned, LOGIN_SHELL_USERS, needsProvisioning } from './provision.mjs'
export { startDebianLab } from './debian-lab.mjs'
export { startFleetLab } from './fleet-lab.mjs'
export { spawnWanProxy, WAN_DEFAULTS } from './wan-proxy.mjs'
export { appSite, serviceInclude } from './debian-config.mjs'

const USER = 'bgdeploy'
const PASSWORD = 'bgdeploy-lab'
const PASSPHRASE = 'lab-passphrase'
/** @type {Set<{ emergencyKill(): void }>} */
const liveLabs = new Set()

function assertTraversable(/** @type {string} */ dir) {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    if (!(fs.statSync(d).mode & 0o001)) {
      throw new Error(`lab: ${d} is not traversable by other users, so sshd cannot read authorized_keys as the lab user`)
    }
  }
}

/** sshd options that only newer OpenSSH knows; loopback auth-failure tests must not get penalised. */
async function extraSshdOptions() {
  const m = (await run('ssh', ['-V'])).stderr.match(/OpenSSH_(\d+)\.(\d+)/)
  return m && (Number(m[1]) > 9 || (Number(m[1]) === 9 && Number(m[2]) >= 8)) ? ['PerSourcePenalties no'] : []
}

/**
 * Starts a lab: sshd and nginx on loopback free ports, in a fresh dir under <repo>/.lab;
 * with images: true also a podman engine and a registry (see images.mjs); `user` logs in as another lab user;
 * `wan` puts a WAN link (wan-proxy.mjs) between the action and sshd; `withoutCommands` hides commands from the login PATH.
 * @param {{ name?: string, images?: boolean, user?: string, wan?: { rttMs?: number, mbit?: number }, withoutCommands?: string[] }} [options]
 */
export async function startLab(options = {}) {
  if (process.getuid?.() !== 0) throw new Error('lab: startLab() must run as root (it starts sshd and nginx)')
  await ensureProvisioned({ images: options.images })
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
  const login = options.user ?? USER
  const user = /** @type {{ uid: number, gid: number, home: string }} */ (userInfo(login))
  const labId = randomBytes(4).toString('hex')
  const dir = path.join(repoRoot, '.lab', `${options.name ?? 'lab'}-${labId}`)
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 })
  fs.chmodSync(dir, 0o755)
  assertTraversable(dir)
  const remoteRoot = path.join(user.home, `lab-${labId}`)

  /** @type {{ sshd?: number, nginx?: number }} */
  const pids = {}
  /** @type {Set<number>} */
  const ports = new Set()
  /** @type {Awaited<ReturnType<typeof startImageServices>> | undefined} */
  let images
  /** @type {Awaited<ReturnType<typeof setUpLeastPrivilege>> | undefined} */
  let least
  /** @type {Awaited<ReturnType<typeof spawnWanProxy>> | undefined} */
  let wan
  const f = (/** @type {string} */ name) => path.join(dir, name)
  const emergencyKill = () => {
    appPids(remoteRoot, user.uid).forEach(p => signal(p, 'SIGKILL'))
    for (const p of [pids.nginx, pids.sshd])
      if (p) {
        childrenOf(p).forEach(c => signal(c, 'SIGTERM'))
        signal(p, 'SIGTERM')
      }
    images?.emergencyKill()
    least?.emergencyKill()
    if (wan) signal(wan.pid, 'SIGTERM')
    fs.rmSync(remoteRoot, { recursive: true, force: true })
    if (!process.env.LAB_KEEP) fs.rmSync(dir, { recursive: true, force: true })
    releasePorts(ports)
  }
  const handle = { emergencyKill }
  liveLabs.add(handle)
  /** @type {Promise<void> | undefined} */
  let stopping
  const stop = () =>
    (stopping ??= (async () => {
      await wan?.stop()
      await terminate(appPids(remoteRoot, user.uid))
      await least?.stop()
      await images?.stop()
      await Promise.all(
        [pids.nginx, pids.sshd]
          .filter(p => p !== undefined)
          .map(p => terminate([/** @type {number} */ (p), ...childrenOf(/** @type {number} */ (p))]))
      )
      fs.rmSync(remoteRoot, { recursive: true, force: true })
      if (!process.env.LAB_KEEP) fs.rmSync(dir, { recursive: true, force: true })
      liveLabs.delete(handle)
      releasePorts(ports)
    })())

  try {
    while (ports.size < 6) ports.add(await reservePort())
    const [sshPort, nginxPort, bluePort, greenPort, registryPort, tlsPort] = /** @type {number[]} */ ([...ports])

    const keygen = (/** @type {string} */ file, /** @type {string} */ pass) =>
      must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', pass, '-C', `bgdeploy-lab-${labId}`, '-f', f(file)])
    const [hostKeys] = await Promise.all([
      makeHostKeys(dir, `bgdeploy-lab-${labId}`, sshPort),
      keygen('id_ed25519', ''),
      keygen('id_ed25519_passphrase', PASSPHRASE)
    ])
    const pub = (/** @type {string} */ name) => fs.readFileSync(f(`${name}.pub`), 'utf8').trim()
    fs.writeFileSync(f('authorized_keys'), `${pub('id_ed25519')}\n${pub('id_ed25519_passphrase')}\n`, { mode: 0o644 })
    const allHostKeys = Object.values(hostKeys)
    fs.writeFileSync(f('known_hosts'), allHostKeys.map(k => `${k.knownHosts}\n`).join(''), { mode: 0o644 })
    const { fingerprint: hostFingerprint, knownHosts } = hostKeys.ed25519

    // Per-lab docker client config, so parallel labs' registry logins stay apart.
    const setEnv = [
      ...(options.images ? [`DOCKER_CONFIG=${path.join(remoteRoot, '.docker')}`] : []),
      ...(options.withoutCommands ? [`PATH=${pathWithout(f('bin'), options.withoutCommands)}`] : [])
    ]
    fs.writeFileSync(
      f('sshd_config'),
      [
        'ListenAddress 127.0.0.1',
        `Port ${sshPort}`,
        ...allHostKeys.map(k => `HostKey ${k.path}`),
        `PidFile ${f('sshd.pid')}`,
        `AuthorizedKeysFile ${f('authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PubkeyAuthentication yes',
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'LogLevel VERBOSE',
        'MaxSessions 10',
        'MaxStartups 100:30:200',
        'ClientAliveInterval 15',
        'UseDNS no',
        'PrintMotd no',
        'PrintLastLog no',
        'Subsystem sftp internal-sftp',
        ...(await extraSshdOptions()),
        // sshd reads only the first SetEnv line.
        ...(setEnv.length ? [`SetEnv ${setEnv.join(' ')}`] : []),
        ''
      ].join('\n')
    )

    const ng = (/** @type {string} */ name) => path.join(dir, 'nginx', name)
    const { nginxConf, nginxInclude } = await writeNginxConfig(ng(''), { nginxPort, tlsPort, bluePort })

    const nginxBin = findCommand('nginx') ?? 'nginx'
    // allSettled: if one daemon fails, the other's PID must be known before stop() runs.
    const started = await Promise.allSettled([
      startDaemon('sshd', findCommand('sshd') ?? '/usr/sbin/sshd', ['-D', '-e', '-f', f('sshd_config')], f('sshd.log'), sshPort).then(
        p => (pids.sshd = p)
      ),
      startDaemon('nginx', nginxBin, ['-c', nginxConf], ng('nginx.log'), nginxPort).then(p => (pids.nginx = p)),
      options.images ? startImageServices({ dir, labId, gid: user.gid, registryPort }).then(i => (images = i)) : undefined
    ])
    for (const r of started) if (r.status === 'rejected') throw r.reason
    const [sshdPid, nginxPid] = [/** @type {number} */ (pids.sshd), /** @type {number} */ (pids.nginx)]
    fs.mkdirSync(remoteRoot, { recursive: true, mode: 0o755 })
    fs.chownSync(remoteRoot, user.uid, user.gid)
    const leastUser = /** @type {{ uid: number, gid: number, home: string }} */ (userInfo(LEAST_USER))
    least = await setUpLeastPrivilege({ labId, user: leastUser, include: nginxInclude, nginxBin, nginxConf })
    if (options.wan) wan = await spawnWanProxy({ port: sshPort }, options.wan)

    const sshArgs = [
      '-F',
      'none',
      '-i',
      f('id_ed25519'),
      '-p',
      String(sshPort),
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'IdentityAgent=none',
      '-o',
      `UserKnownHostsFile=${f('known_hosts')}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'ConnectTimeout=10',
      '-o',
      'LogLevel=ERROR',
      `${login}@127.0.0.1`
    ]
    /** @param {string} command @param {{ timeout?: number, input?: string }} [opts] */
    const sshExec = (command, opts) => run('ssh', [...sshArgs, '--', command], opts)
    const check = await sshExec('true')
    if (check.code !== 0)
      throw new Error(`lab: ssh login to the lab sshd failed: ${check.stderr}\n${fs.readFileSync(f('sshd.log'), 'utf8')}`)

    return {
      dir,
      labId,
      host: '127.0.0.1',
      sshPort,
      username: login,
      password: PASSWORD,
      privateKey: fs.readFileSync(f('id_ed25519'), 'utf8'),
      privateKeyPath: f('id_ed25519'),
      passphraseKey: fs.readFileSync(f('id_ed25519_passphrase'), 'utf8'),
      passphraseKeyPath: f('id_ed25519_passphrase'),
      passphrase: PASSPHRASE,
      hostFingerprint,
      knownHosts,
      hostKeys,
      knownHostsPath: f('known_hosts'),
      nginxPort,
      nginxUrl: `http://127.0.0.1:${nginxPort}`,
      tlsPort,
      tlsServerName: TLS_SERVER_NAME,
      leastPrivilege: { username: least.username, uid: least.uid, remoteRoot: least.remoteRoot, sudoersLine: least.sudoersLine },
      nginxInclude,
      nginxConf,
      nginxTestCommand: `nginx -c ${nginxConf} -t`,
      nginxReloadCommand: `nginx -c ${nginxConf} -s reload`,
      ports: [bluePort, greenPort],
      remoteRoot,
      uid: user.uid,
      pids: { sshd: sshdPid, nginx: nginxPid, ...images?.pids },
      ...(images ? { docker: images.docker } : {}),
      ...(wan ? { wan } : {}),
      sshdLog: f('sshd.log'),
      nginxErrorLog: ng('error.log'),
      sshArgs,
      nginxSitesDir: ng('sites'),
      freePort: () => freePortExcept(ports),
      httpGet,
      sshExec,
      stop,
      /** @param {string} version */
      sampleJar: version => buildSampleJar(version, path.join(dir, 'jars'))
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** For a lab started from the command line: it runs until SIGINT or SIGTERM, then stops. @param {{ stop(): Promise<void> }} lab */
export function keepUntilSignalled(lab) {
  const keepAlive = setInterval(() => {}, 1 << 30)
  const shutdown = async () => {
    clearInterval(keepAlive)
    await lab.stop()
    process.exit(0)
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

process.on('exit', () => {
  for (const lab of liveLabs) lab.emergencyKill()
})

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const flags = process.argv.slice(3)
  if (process.argv[2] !== 'up' || flags.some(a => a !== '--images' && a !== '--debian')) {
    console.error('usage: node lab/lab.mjs up [--images] [--debian]')
    process.exit(2)
  }
  const images = flags.includes('--images')
  const lab = flags.includes('--debian') ? await startDebianLab({ name: 'cli-debian', images }) : await startLab({ name: 'cli', images })
  console.log(JSON.stringify(lab, null, 2))
  keepUntilSignalled(lab)
}
