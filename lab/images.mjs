// Image mode of the lab: a per-lab podman engine (Docker API on a unix socket) and a
// loopback docker-registry with basic auth, plus building and pushing test images.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { importChanges, writeRootfsTar } from './image-app.mjs'
import { canConnect, descendantsOf, isAlive, mountsUnder, must, run, signal, startService, terminate } from './proc.mjs'

const REGISTRY_USER = 'labuser'
const REGISTRY_PASSWORD = 'labpass'
const IMAGE_NAME = 'shop'

/** Commands image mode needs; provision.sh installs them. */
export const IMAGE_TOOLS = ['docker', 'podman', 'runc', 'conmon', 'tini', 'docker-registry', 'htpasswd', 'iptables', 'busybox']
/** Files that prove a package whose commands alone do not tell (static busybox, netavark). */
export const IMAGE_FILES = ['/var/lib/dpkg/info/busybox-static.list', '/usr/lib/podman/netavark']

const SUBNET_CLAIMS = path.join(os.tmpdir(), 'bgdeploy-lab-subnets')

/** `a.b.c` of every /24 (or larger) network the host routes. */
function routedPrefixes() {
  let table = ''
  try {
    table = fs.readFileSync('/proc/net/route', 'utf8')
  } catch {
    /* no table: nothing routed */
  }
  return new Set(
    table
      .split('\n')
      .slice(1)
      .map(l => l.split('\t')[1])
      .filter(h => /^[0-9A-F]{8}$/i.test(h ?? ''))
      .map(h => [6, 4, 2].map(i => parseInt(h.slice(i, i + 2), 16)).join('.'))
  )
}

/**
 * A 10.x.y.0/24 for this lab's bridge that no route and no live lab uses; claimed by a
 * file holding our PID, so parallel labs (other jest workers) pick different ones.
 */
function claimSubnet() {
  fs.mkdirSync(SUBNET_CLAIMS, { recursive: true, mode: 0o700 })
  const routed = routedPrefixes()
  for (let attempt = 0; attempt < 200; attempt++) {
    const [a, b] = randomBytes(2)
    const prefix = `10.${89 + (a % 8)}.${b}`
    const file = path.join(SUBNET_CLAIMS, prefix)
    if (routed.has(prefix)) continue
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' })
      return { prefix, release: () => fs.rmSync(file, { force: true }) }
    } catch {
      let owner = 0
      try {
        owner = Number(fs.readFileSync(file, 'utf8'))
      } catch {
        /* released meanwhile */
      }
      if (owner > 0 && !isAlive(owner)) fs.rmSync(file, { force: true })
    }
  }
  throw new Error(`lab: no free 10.89-96.x.0/24 subnet for the container bridge (claims in ${SUBNET_CLAIMS})`)
}

/**
 * The /run/netns mounts of the network namespaces these processes are in (not ours): what
 * podman would have removed had the containers been cleaned up rather than killed.
 * @param {number[]} pids
 */
function netnsMountsOf(pids) {
  const nsOf = (/** @type {number | string} */ p) => {
    try {
      return fs.readlinkSync(`/proc/${p}/ns/net`)
    } catch {
      return ''
    }
  }
  const own = nsOf('self')
  const wanted = new Set(pids.map(nsOf).filter(ns => ns && ns !== own))
  let info = ''
  try {
    info = fs.readFileSync('/proc/self/mountinfo', 'utf8')
  } catch {
    return []
  }
  return info
    .split('\n')
    .map(l => l.split(' '))
    .filter(f => wanted.has(f[3]) && (f[4] ?? '').startsWith('/run/netns/'))
    .map(f => f[4])
}

/** @param {string[]} mounts */
function removeNetns(mounts) {
  for (const m of mounts) {
    spawnSync('umount', ['-l', m])
    fs.rmSync(m, { force: true })
  }
}

/**
 * Deletes the iptables rules netavark made for this lab's network (by its subnet and its
 * DNAT comment) and the per-network chains they jump to. Only needed when containers were
 * killed rather than removed; left behind, a DNAT for 127.0.0.1:PORT would hijack that port.
 * @param {string} network @param {string} subnet `a.b.c`
 */
export function removeFirewallRules(network, subnet) {
  for (const table of ['nat', 'filter']) {
    const listed = spawnSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' })
    if (listed.status !== 0) continue
    const ours = listed.stdout
      .split('\n')
      .filter(l => l.startsWith('-A ') && (l.includes(` ${subnet}.0/24 `) || l.includes(`dnat name: ${network} `)))
    /** @type {Set<string>} */
    const chains = new Set()
    for (const rule of ours) {
      const args = (rule.match(/"[^"]*"|\S+/g) ?? []).map(a => a.replace(/^"(.*)"$/, '$1'))
      const jump = args[args.indexOf('-j') + 1]
      if (/^NETAVARK-(DN-)?[0-9A-F]+$/.test(jump ?? '')) chains.add(jump)
      spawnSync('iptables', ['-w', '-t', table, '-D', ...args.slice(1)])
    }
    for (const chain of chains) {
      spawnSync('iptables', ['-w', '-t', table, '-F', chain])
      spawnSync('iptables', ['-w', '-t', table, '-X', chain])
    }
  }
}

/** @param {string} socket */
function dockerPing(socket) {
  return new Promise(resolve => {
    const req = http.get({ socketPath: socket, path: '/_ping', timeout: 2000 }, res => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
  })
}

/**
 * Fetches the manifest digest of repo:tag from the registry, the way a pull resolves it.
 * @param {number} port @param {string} repo @param {string} tag @returns {Promise<string>}
 */
function registryDigest(port, repo, tag) {
  const accept = ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json']
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'HEAD',
        path: `/v2/${repo}/manifests/${tag}`,
        timeout: 10_000,
        auth: `${REGISTRY_USER}:${REGISTRY_PASSWORD}`,
        headers: { Accept: accept.join(', ') }
      },
      res => {
        res.resume()
        const digest = res.headers['docker-content-digest']
        if (res.statusCode === 200 && typeof digest === 'string') resolve(digest)
        else reject(new Error(`registry HEAD ${repo}:${tag} answered ${res.statusCode}`))
      }
    )
    req.on('timeout', () => req.destroy(new Error('registry HEAD timed out')))
    req.on('error', reject)
    req.end()
  })
}

/**
 * Starts podman and the registry for one lab. The caller stops them with stop() (or
 * emergencyKill() at process exit) before it removes the lab dir.
 * @param {{ dir: string, labId: string, gid: number, registryPort: number }} lab
 */
export async function startImageServices(lab) {
  const base = path.join(lab.dir, 'containers')
  const c = (/** @type {string} */ name) => path.join(base, name)
  for (const d of ['networks', 'tmp', 'build', 'registry/data']) fs.mkdirSync(c(d), { recursive: true, mode: 0o700 })
  const registryPort = lab.registryPort
  // `localhost:`, not 127.0.0.1: podman's Docker-API login only falls back to plain HTTP for
  // registries named localhost (it ignores registries.conf's insecure flag there).
  const registry = `localhost:${registryPort}`
  const socket = path.join(lab.dir, 'podman.sock')
  const bridge = `bglab${lab.labId}`
  /** @type {{ podman?: number, registry?: number }} */
  const pids = {}

  fs.writeFileSync(
    c('containers.conf'),
    [
      '[containers]',
      'default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]',
      'log_driver = "k8s-file"',
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = "${c('events.log')}"`,
      'lock_type = "file"',
      `tmp_dir = "${c('tmp')}"`,
      '[network]',
      'network_backend = "netavark"',
      `network_config_dir = "${c('networks')}"`,
      `default_network = "${bridge}"`,
      ''
    ].join('\n')
  )
  fs.writeFileSync(
    c('registries.conf'),
    [
      'unqualified-search-registries = []',
      'short-name-mode = "disabled"',
      '',
      '[[registry]]',
      `location = "${registry}"`,
      'insecure = true',
      '',
      '[[registry]]',
      `location = "127.0.0.1:${registryPort}"`,
      'insecure = true',
      ''
    ].join('\n')
  )
  // Our own default network (bridge name, chain names, subnet and IPAM state per lab) so that
  // parallel labs never share podman0 or hand out the same container address.
  const claim = claimSubnet()
  const subnet = claim.prefix
  fs.writeFileSync(
    c(`networks/${bridge}.json`),
    JSON.stringify(
      {
        name: bridge,
        id: randomBytes(32).toString('hex'),
        driver: 'bridge',
        network_interface: bridge,
        created: new Date().toISOString(),
        subnets: [{ subnet: `${subnet}.0/24`, gateway: `${subnet}.1` }],
        ipv6_enabled: false,
        internal: false,
        dns_enabled: false,
        ipam_options: { driver: 'host-local' }
      },
      null,
      2
    )
  )

  const env = { ...process.env, CONTAINERS_CONF: c('containers.conf'), CONTAINERS_REGISTRIES_CONF: c('registries.conf') }
  // podman refuses a runroot path longer than 50 characters, which a lab dir inside a clone can exceed.
  const runroot = path.join(os.tmpdir(), `bglab-${lab.labId}`)
  fs.mkdirSync(runroot, { recursive: true, mode: 0o700 })
  const podmanArgs = ['--root', c('storage'), '--runroot', runroot, '--storage-driver', 'vfs', '--tmpdir', c('tmp')]
  /** @param {string[]} args @param {{ timeout?: number }} [opts] */
  const podman = (args, opts) => run('podman', [...podmanArgs, ...args], { ...opts, env })
  const docker = (/** @type {string[]} */ args) => run('docker', ['-H', `unix://${socket}`, ...args])

  const cleanupNetwork = () => {
    for (const m of [...mountsUnder(base), ...mountsUnder(runroot)]) spawnSync('umount', ['-l', m])
    fs.rmSync(runroot, { recursive: true, force: true })
    if (fs.existsSync(`/sys/class/net/${bridge}`)) spawnSync('ip', ['link', 'del', bridge])
    removeFirewallRules(bridge, subnet)
    claim.release()
  }
  const emergencyKill = () => {
    const tree = pids.podman ? [pids.podman, ...descendantsOf(pids.podman)] : []
    const netns = netnsMountsOf(tree)
    for (const p of [...tree, ...(pids.registry ? [pids.registry] : [])]) signal(p, 'SIGKILL')
    removeNetns(netns)
    cleanupNetwork()
  }
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    if (pids.podman && isAlive(pids.podman)) {
      const ids = (await docker(['ps', '-aq'])).stdout.split(/\s+/).filter(Boolean)
      if (ids.length > 0) await docker(['rm', '-f', ...ids])
    }
    const podmanTree = pids.podman ? [pids.podman, ...descendantsOf(pids.podman)] : []
    const netns = netnsMountsOf(podmanTree)
    // The service does not stop its containers, so whatever rm -f missed still runs under tini.
    if ((await podman(['ps', '-aq'])).stdout.trim()) await podman(['rm', '-af', '-t', '0'])
    await Promise.all([terminate(podmanTree.reverse()), pids.registry ? terminate([pids.registry]) : undefined])
    removeNetns(netns.filter(m => fs.existsSync(m)))
    cleanupNetwork()
  }

  try {
    const htpasswd = await must('htpasswd', ['-nbB', '-C', '5', REGISTRY_USER, REGISTRY_PASSWORD])
    fs.writeFileSync(c('registry/htpasswd'), htpasswd.trim() + '\n', { mode: 0o600 })
    fs.writeFileSync(
      c('registry/config.yml'),
      `version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: ${c('registry/data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${registryPort}
  secret: ${randomBytes(16).toString('hex')}
auth:
  htpasswd:
    realm: bgdeploy-lab
    path: ${c('registry/htpasswd')}
`
    )
    const registryBin = '/usr/bin/docker-registry'
    // tini -s is a subreaper: conmon double-forks away from podman, and would otherwise
    // land on PID 1 where stop() could not find it as a descendant.
    const started = await Promise.allSettled([
      startService(
        'docker-registry',
        fs.existsSync(registryBin) ? registryBin : 'docker-registry',
        ['serve', c('registry/config.yml')],
        c('registry.log'),
        () => canConnect(registryPort)
      ).then(p => (pids.registry = p)),
      startService(
        'podman system service',
        'tini',
        ['-s', '--', 'podman', ...podmanArgs, 'system', 'service', '--time', '0', `unix://${socket}`],
        c('podman.log'),
        () => dockerPing(socket),
        { env }
      ).then(p => (pids.podman = p))
    ])
    for (const r of started) if (r.status === 'rejected') throw r.reason
    fs.chownSync(socket, 0, lab.gid)
    fs.chmodSync(socket, 0o660)
  } catch (err) {
    await stop()
    throw err
  }

  let builds = 0
  /**
   * Builds `<registry>/shop:<version>`, pushes it and removes it from the engine's storage.
   * @param {string} version @param {{ healthy?: boolean }} [opts]
   */
  const buildImage = async (version, opts = {}) => {
    const ref = `${registry}/${IMAGE_NAME}:${version}`
    const work = c(`build/${++builds}`)
    const tar = await writeRootfsTar(work, version)
    const step = async (/** @type {string[]} */ args) => {
      const r = await podman(args, { timeout: 120_000 })
      if (r.code !== 0) throw new Error(`buildImage(${version}): podman ${args.join(' ')} failed: ${r.stderr}`)
      return r.stdout
    }
    await step(['import', ...importChanges(version, opts), '--message', `bgdeploy lab ${version}`, tar, ref])
    await step(['push', '--quiet', '--format', 'v2s2', '--tls-verify=false', '--creds', `${REGISTRY_USER}:${REGISTRY_PASSWORD}`, ref])
    await step(['rmi', '--force', ref])
    fs.rmSync(work, { recursive: true, force: true })
    return { ref, digest: await registryDigest(registryPort, IMAGE_NAME, version) }
  }

  return {
    pids: /** @type {{ podman: number, registry: number }} */ (pids),
    docker: {
      command: `docker -H unix://${socket}`,
      socket,
      registry,
      registryUser: REGISTRY_USER,
      registryPassword: REGISTRY_PASSWORD,
      network: bridge,
      buildImage
    },
    stop,
    emergencyKill
  }
}
