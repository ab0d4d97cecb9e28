// The fleet lab's network: one /24 of 198.18.0.0/15 (reserved for benchmarking, never routed) per lab, claimed
// in a directory all fleet labs share; a bridge in the root namespace holding .1; a veth pair per host whose
// inner end is the host's eth0. No host gets a default route, so nothing leaves the machine.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { isAlive, run, signal } from './proc.mjs'
import { findCommand } from './provision.mjs'

const SLOTS = path.join(process.env.TMPDIR ?? '/tmp', 'bgdeploy-fleet-slots')
const SLOT_COUNT = 512

/** @typedef {{ net: string, mnt: string }} HostNamespaces */
/** What a lab holds, so that the next lab can clear it away if this one's process was killed. */
/** @typedef {{ pid: number, dir: string, links: string[], hosts: HostNamespaces[] }} SlotRecord */

/** The first three octets of the slot's /24: `198.18.0` up to `198.19.255`. @param {number} slot */
export const prefixOf = slot => `198.${18 + (slot >> 8)}.${slot & 255}`

/** The absolute path of `ip`; throws when iproute2 is missing. */
export function ipCommand() {
  const ip = findCommand('ip')
  if (!ip) throw new Error('lab: the fleet lab needs the `ip` command (iproute2) to create network namespaces, veths and a bridge')
  return ip
}

/** Runs `ip ...`; throws naming the command and ip's complaint. @param {string[]} args */
export async function ip(args) {
  const r = await run(ipCommand(), args)
  if (r.code !== 0) throw new Error(`lab: \`ip ${args.join(' ')}\` failed (${r.code}): ${r.stderr.trim()}`)
  return r.stdout
}

/** Deletes a link (and a veth's peer with it) if it still exists; synchronous, so exit handlers can use it. @param {string} name */
export function deleteLink(name) {
  if (fs.existsSync(`/sys/class/net/${name}`)) spawnSync(ipCommand(), ['link', 'del', name], { stdio: 'ignore' })
}

/** @param {string} name @param {string} prefix */
export async function createBridge(name, prefix) {
  await ip(['link', 'add', name, 'type', 'bridge']).catch(err => {
    throw new Error(`${err.message} (the fleet lab creates a bridge, veths and network namespaces: it needs CAP_NET_ADMIN)`)
  })
  await ip(['addr', 'add', `${prefix}.1/24`, 'dev', name])
  await ip(['link', 'set', name, 'up'])
}

/**
 * A veth pair: `veth` on the bridge, its peer `eth0` inside the network namespace of `pid` with `address`/24.
 * @param {{ bridge: string, veth: string, pid: number, address: string }} opts
 */
export async function plugHost({ bridge, veth, pid, address }) {
  await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(pid)])
  await ip(['link', 'set', veth, 'master', bridge, 'up'])
  const script = 'ip link set lo up && ip addr add "$1/24" dev eth0 && ip link set eth0 up'
  const r = await run('nsenter', ['-t', String(pid), '-n', '--', 'sh', '-c', script, 'sh', address])
  if (r.code !== 0) throw new Error(`lab: configuring eth0 (${address}) in the namespace of process ${pid} failed: ${r.stderr.trim()}`)
}

/** @param {number | string} pid @param {'net' | 'mnt'} kind */
export function namespaceOf(pid, kind) {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${kind}`)
  } catch {
    return ''
  }
}

/** Every live process whose network or mount namespace is one of `hosts`' (both must match for `strict`). */
export function processesIn(/** @type {HostNamespaces[]} */ hosts, strict = false) {
  return fs
    .readdirSync('/proc')
    .filter(d => /^\d+$/.test(d))
    .map(Number)
    .filter(p => {
      const [net, mnt] = [namespaceOf(p, 'net'), namespaceOf(p, 'mnt')]
      return hosts.some(h => (strict ? net === h.net && mnt === h.mnt : net === h.net || mnt === h.mnt)) && isAlive(p)
    })
}

/**
 * Clears away what a killed lab left: the processes still holding its namespaces (only those in both of a host's
 * namespaces, since a freed namespace's number can be reused) and its links.
 * @param {SlotRecord} record
 */
function reap(record) {
  processesIn(record.hosts ?? [], true).forEach(p => signal(p, 'SIGKILL'))
  for (const link of record.links ?? []) deleteLink(link)
  if (typeof record.dir === 'string' && record.dir.includes('/.lab/') && !process.env.LAB_KEEP)
    fs.rmSync(record.dir, { recursive: true, force: true })
}

/** Reaps and removes the slot file when the lab that wrote it is gone. @param {string} file */
function clearIfStale(file) {
  /** @type {SlotRecord | undefined} */
  let record
  try {
    record = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return
  }
  if (record && isAlive(record.pid)) return
  if (record) reap(record)
  fs.rmSync(file, { force: true })
}

/** Writes `record` to `file` in one step: linked into place when `create`, else renamed over it. */
function writeRecord(/** @type {string} */ file, /** @type {SlotRecord} */ record, create = false) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(record))
  try {
    if (create) fs.linkSync(tmp, file)
    else fs.renameSync(tmp, file)
  } finally {
    fs.rmSync(tmp, { force: true })
  }
}

/**
 * Claims a /24 that no running fleet lab holds and that no address or route of the root namespace touches.
 * @param {string} dir the lab's dir @param {string[]} links the links the lab is about to make (recorded before they exist)
 */
export async function reserveSubnet(dir, links) {
  fs.mkdirSync(SLOTS, { recursive: true, mode: 0o755 })
  // Stale labs first: their bridges' addresses would otherwise make their slots look taken forever.
  for (const name of fs.readdirSync(SLOTS).filter(n => /^\d+$/.test(n))) clearIfStale(path.join(SLOTS, name))
  const taken = `${await ip(['-o', '-4', 'addr', 'show'])}\n${await ip(['-4', 'route', 'show', 'table', 'all'])}`
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const prefix = prefixOf(slot)
    if (new RegExp(`(^|\\s)${prefix.replace(/\./g, '\\.')}\\.`, 'm').test(taken)) continue
    const file = path.join(SLOTS, String(slot))
    /** @type {SlotRecord} */
    const record = { pid: process.pid, dir, links: [...links], hosts: [] }
    try {
      writeRecord(file, record, true)
    } catch {
      continue
    }
    return {
      prefix,
      subnet: `${prefix}.0/24`,
      /** Records a host's namespaces and link as soon as they exist. @param {HostNamespaces} host @param {string} link */
      addHost(host, link) {
        record.hosts.push(host)
        record.links.push(link)
        writeRecord(file, record)
      },
      release: () => fs.rmSync(file, { force: true })
    }
  }
  throw new Error(`lab: every /24 of 198.18.0.0/15 is taken (${SLOTS} lists the fleet labs holding them)`)
}
