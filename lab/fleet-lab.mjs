// The fleet lab: several hosts, each in its own network and mount namespace on a bridge in 198.18.0.0/15 with
// its own sshd and home for the deploy user: an nginx host in the Debian layout whose app server block proxies to
// an upstream of every app host, and app hosts where the user runs java. The user's only sudo is the README's
// rule on the nginx host. Fleet labs run side by side: each has its own /24, bridge and namespaces.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { assertSudoSetup, buildNginxEtc, buildSudoers } from './debian-etc.mjs'
import {
  appHostPamEnv,
  FLEET_INCLUDE,
  FLEET_PORTS,
  FLEET_SERVER_NAME,
  FLEET_UPSTREAM,
  FLEET_USER,
  fleetAppSite,
  fleetDefaultSite,
  REMOTE_DIR,
  upstreamInclude
} from './fleet-config.mjs'
import { fleetHost } from './fleet-host.mjs'
import { createBridge, deleteLink, ipCommand, reserveSubnet } from './fleet-net.mjs'
import { must } from './proc.mjs'
import { ensureProvisioned, findCommand, userInfo } from './provision.mjs'
import { buildSampleJar, repoRoot } from './sample-app.mjs'

/** @type {Set<{ emergencyKill(): void }>} */
const liveLabs = new Set()
const NGINX = '/usr/sbin/nginx'

function assertCanCreateNamespaces() {
  ipCommand()
  for (const tool of ['unshare', 'nsenter'])
    if (!findCommand(tool)) throw new Error(`lab: the fleet lab needs \`${tool}\` (util-linux) to create and enter namespaces`)
}

/** @returns {import('./fleet-host.mjs').FleetUser} */
function fleetUser() {
  const info = userInfo(FLEET_USER)
  if (!info) throw new Error(`lab: user ${FLEET_USER} is missing; run lab/provision.sh --fleet as root`)
  return { username: FLEET_USER, shell: info.shell, uid: info.uid, gid: info.gid }
}

/** The nginx host's own /etc/nginx (the upstream of every app's 8080), /etc/sudoers.d, /var/log/nginx, /var/lib/nginx. */
async function nginxHostBinds(/** @type {string} */ dir, /** @type {string[]} */ appAddresses) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 })
  const [etcNginx, sudoers] = await Promise.all([
    buildNginxEtc(dir, {
      serverName: FLEET_SERVER_NAME,
      defaultSite: fleetDefaultSite(),
      appSite: fleetAppSite(),
      include: [FLEET_INCLUDE, upstreamInclude(appAddresses)]
    }),
    buildSudoers(dir, [FLEET_USER], FLEET_INCLUDE)
  ])
  for (const d of ['nginx-log', 'nginx-lib']) fs.mkdirSync(path.join(dir, d), { mode: 0o755 })
  return /** @type {[string, string][]} */ ([
    [etcNginx, '/etc/nginx'],
    [sudoers, '/etc/sudoers.d'],
    [path.join(dir, 'nginx-log'), '/var/log/nginx'],
    [path.join(dir, 'nginx-lib'), '/var/lib/nginx']
  ])
}

/** An app host's empty /etc/sudoers.d (no sudo at all) and its pam_env.conf. */
function appHostBinds(/** @type {string} */ dir) {
  fs.mkdirSync(path.join(dir, 'sudoers.d'), { recursive: true, mode: 0o755 })
  fs.writeFileSync(path.join(dir, 'pam_env.conf'), appHostPamEnv(), { mode: 0o644 })
  return /** @type {[string, string][]} */ ([
    [path.join(dir, 'sudoers.d'), '/etc/sudoers.d'],
    [path.join(dir, 'pam_env.conf'), '/etc/security/pam_env.conf']
  ])
}

/** Fails clearly when bridged traffic between namespaces is dropped (e.g. a FORWARD policy of DROP with br_netfilter). */
async function assertAppsReachable(/** @type {ReturnType<typeof fleetHost>} */ nginx, /** @type {string[]} */ addresses, bridge = '') {
  const r = await nginx.exec(`for a in ${addresses.join(' ')}; do timeout 5 bash -c ": </dev/tcp/$a/22" 2>/dev/null || echo "$a"; done`)
  const unreachable = r.stdout.trim()
  if (r.code !== 0 || unreachable)
    throw new Error(
      `lab: the nginx host cannot reach ${unreachable || 'the app hosts'} on port 22 across bridge ${bridge} ` +
        `(is bridged traffic filtered? see iptables FORWARD and net.bridge.bridge-nf-call-iptables) ${r.stderr}`
    )
}

/**
 * Starts a fleet lab: an nginx host and `appHosts` app hosts (default 3).
 * @param {{ name?: string, appHosts?: number }} [options]
 */
export async function startFleetLab(options = {}) {
  const appHosts = options.appHosts ?? 3
  if (!Number.isInteger(appHosts) || appHosts < 1 || appHosts > 100) throw new Error(`lab: appHosts must be 1 to 100, not ${appHosts}`)
  if (process.getuid?.() !== 0) throw new Error('lab: startFleetLab() must run as root (it creates network namespaces, veths and a bridge)')
  await ensureProvisioned({ fleet: true })
  assertCanCreateNamespaces()
  assertSudoSetup()
  const user = fleetUser()
  const labId = randomBytes(3).toString('hex')
  const dir = path.join(repoRoot, '.lab', `${options.name ?? 'fleet'}-${labId}`)
  const bridge = `bgfl${labId}`
  const f = (/** @type {string} */ file) => path.join(dir, file)
  /** @type {ReturnType<typeof fleetHost>[]} */
  let hosts = []
  /** @type {Awaited<ReturnType<typeof reserveSubnet>> | undefined} */
  let subnet
  const cleanUp = () => {
    deleteLink(bridge)
    if (!process.env.LAB_KEEP) fs.rmSync(dir, { recursive: true, force: true })
    subnet?.release()
    liveLabs.delete(handle)
  }
  const handle = {
    emergencyKill() {
      hosts.forEach(h => h.emergencyKill())
      cleanUp()
    }
  }
  liveLabs.add(handle)
  /** @type {Promise<void> | undefined} */
  let stopping
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all(hosts.map(h => h.stop()))
      cleanUp()
    })())

  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 })
    subnet = await reserveSubnet(dir, [bridge])
    const { prefix } = subnet
    const names = ['nginx', ...Array.from({ length: appHosts }, (_, i) => `app${i + 1}`)]
    const addressOf = (/** @type {number} */ i) => `${prefix}.${10 + i}`
    const appAddresses = names.slice(1).map((_, i) => addressOf(i + 1))
    const [, , nginxBinds] = await Promise.all([
      createBridge(bridge, prefix),
      must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${FLEET_USER}@bgdeploy-fleet-${labId}`, '-f', f('id_ed25519')]),
      nginxHostBinds(f('hosts/nginx'), appAddresses)
    ])
    const authorizedKey = fs.readFileSync(f('id_ed25519.pub'), 'utf8').trim()
    const made = names.map((name, i) =>
      fleetHost({
        name,
        address: addressOf(i),
        dir: f(`hosts/${name}`),
        bridge,
        veth: `${bridge}h${i}`,
        labId,
        user,
        authorizedKey,
        remoteDir: REMOTE_DIR,
        binds: i === 0 ? nginxBinds : appHostBinds(f(`hosts/${name}`)),
        onNamespaces: ns => subnet?.addHost(ns, `${bridge}h${i}`)
      })
    )
    hosts = made
    const started = await Promise.allSettled(made.map(h => h.start()))
    for (const r of started) if (r.status === 'rejected') throw r.reason
    const [nginx, ...apps] = made
    await nginx.startDaemon('nginx', [NGINX, '-g', 'daemon off;'], 443, 'nginx.log')
    await assertAppsReachable(nginx, appAddresses, bridge)
    const knownHosts = made.map(h => `${h.hostKey.knownHosts}\n`).join('')
    fs.writeFileSync(f('known_hosts'), knownHosts, { mode: 0o644 })

    const view = (/** @type {ReturnType<typeof fleetHost>} */ h) => ({
      name: h.name,
      address: h.address,
      sshPort: /** @type {const} */ (22),
      hostFingerprint: h.hostKey.fingerprint,
      knownHosts: h.hostKey.knownHosts,
      pid: h.pid,
      netns: h.netns,
      sshdLog: h.sshdLog,
      exec: h.exec
    })
    return {
      dir,
      labId,
      subnet: subnet.subnet,
      bridge,
      rootAddress: `${prefix}.1`,
      username: FLEET_USER,
      privateKey: fs.readFileSync(f('id_ed25519'), 'utf8'),
      privateKeyPath: f('id_ed25519'),
      knownHosts,
      knownHostsPath: f('known_hosts'),
      nginx: view(nginx),
      apps: apps.map(view),
      include: FLEET_INCLUDE,
      upstream: FLEET_UPSTREAM,
      ports: FLEET_PORTS,
      remoteRoot: `/home/${FLEET_USER}/${REMOTE_DIR}`,
      nginxTestCommand: `${NGINX} -t`,
      nginxReloadCommand: `${NGINX} -s reload`,
      nginxUrl: `https://${nginx.address}`,
      serverName: FLEET_SERVER_NAME,
      nginxErrorLog: f('hosts/nginx/nginx-log/error.log'),
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
