// Process, port and HTTP helpers for the lab. PIDs only, never process names.
import { execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import path from 'node:path'

/**
 * @param {string} file @param {string[]} args @param {{ timeout?: number, env?: NodeJS.ProcessEnv, input?: string }} [opts]
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
export function run(file, args, opts = {}) {
  return new Promise(resolve => {
    const child = execFile(
      file,
      args,
      { timeout: opts.timeout ?? 120_000, maxBuffer: 64 * 1024 * 1024, env: opts.env ?? process.env },
      (err, stdout, stderr) => {
        const e = /** @type {any} */ (err)
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 255) : 0, stdout, stderr: stderr || (e ? String(e.message) : '') })
      }
    )
    child.stdin?.end(opts.input)
  })
}

/** @param {string} file @param {string[]} args */
export async function must(file, args) {
  const r = await run(file, args)
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
  return r.stdout
}

/** A port on 127.0.0.1 that was free a moment ago. @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address())
      srv.close(() => resolve(port))
    })
  })
}

/** Alive and not a zombie (an orphan's zombie may never be reaped in a container). @param {number} pid */
export function isAlive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3))
  } catch {
    return false
  }
}

/** @param {number} pid @param {string} field */
export function procStatus(pid, field) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s*(\\d+)`, 'm'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

/** @param {number} ppid */
export function childrenOf(ppid) {
  return fs
    .readdirSync('/proc')
    .filter(d => /^\d+$/.test(d))
    .map(Number)
    .filter(p => procStatus(p, 'PPid') === ppid)
}

/** @param {number} pid @param {NodeJS.Signals} sig */
export function signal(pid, sig) {
  try {
    process.kill(pid, sig)
  } catch {
    /* already gone */
  }
}

/** SIGTERM, wait up to timeoutMs, then SIGKILL. @param {number[]} pids */
export async function terminate(pids, timeoutMs = 5000) {
  pids.forEach(p => signal(p, 'SIGTERM'))
  const deadline = Date.now() + timeoutMs
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(25)
  pids.filter(isAlive).forEach(p => signal(p, 'SIGKILL'))
  while (pids.some(isAlive) && Date.now() < deadline + 2000) await sleep(25)
}

/** @param {number} ms */
export const sleep = ms => new Promise(r => setTimeout(r, ms))

/** PIDs in *.pid files under root, plus any process whose cwd lies there, that belong to uid. */
export function appPids(/** @type {string} */ root, /** @type {number} */ uid) {
  const pids = new Set()
  /** @type {string[]} */
  let files = []
  try {
    files = fs
      .readdirSync(root, { recursive: true })
      .map(String)
      .filter(f => f.endsWith('.pid'))
  } catch {
    /* gone */
  }
  for (const f of files) {
    try {
      const pid = Number.parseInt(fs.readFileSync(path.join(root, f), 'utf8').trim(), 10)
      if (pid > 1) pids.add(pid)
    } catch {
      /* not a readable file */
    }
  }
  for (const d of fs.readdirSync('/proc').filter(e => /^\d+$/.test(e))) {
    let cwd = ''
    try {
      cwd = fs.readlinkSync(`/proc/${d}/cwd`)
    } catch {
      /* gone */
    }
    if (cwd === root || cwd.startsWith(root + '/')) pids.add(Number(d))
  }
  return [...pids].filter(p => procStatus(p, 'Uid') === uid && isAlive(p))
}

/**
 * Spawns a detached daemon with output to logFile and waits until ready() resolves true.
 * @param {string} what @param {string} file @param {string[]} args @param {string} logFile
 * @param {() => Promise<boolean>} ready @param {{ env?: NodeJS.ProcessEnv, timeoutMs?: number }} [opts]
 */
export async function startService(what, file, args, logFile, ready, opts = {}) {
  const fd = fs.openSync(logFile, 'a')
  const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], env: opts.env ?? process.env })
  fs.closeSync(fd)
  child.unref()
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  child.on('error', () => {
    exited = true
  })
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
  while (!(await ready())) {
    if (exited || Date.now() > deadline) {
      if (child.pid) [child.pid, ...descendantsOf(child.pid)].forEach(p => signal(p, 'SIGKILL'))
      throw new Error(`${what} did not start: ${fs.readFileSync(logFile, 'utf8').slice(-3000)}`)
    }
    await sleep(30)
  }
  return /** @type {number} */ (child.pid)
}

/**
 * Spawns a detached daemon with output to logFile and waits until it accepts on port.
 * @param {string} what @param {string} file @param {string[]} args @param {string} logFile @param {number} port
 */
export function startDaemon(what, file, args, logFile, port) {
  return startService(`${what} on 127.0.0.1:${port}`, file, args, logFile, () => canConnect(port))
}

/** Children, grandchildren and so on, deepest last. @param {number} pid */
export function descendantsOf(pid) {
  /** @type {number[]} */
  const found = []
  for (let level = [pid]; level.length > 0;) {
    level = level.flatMap(p => childrenOf(p)).filter(p => !found.includes(p))
    found.push(...level)
  }
  return found
}

/** Mount points at or below dir (as this process sees them), deepest first. @param {string} dir */
export function mountsUnder(dir) {
  let info = ''
  try {
    info = fs.readFileSync('/proc/self/mountinfo', 'utf8')
  } catch {
    return []
  }
  const unescape = (/** @type {string} */ s) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)))
  return info
    .split('\n')
    .filter(Boolean)
    .map(l => unescape(l.split(' ')[4]))
    .filter(m => m === dir || m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length)
}

/** @param {number} port @returns {Promise<boolean>} */
export function canConnect(port, host = '127.0.0.1') {
  return new Promise(resolve => {
    const s = net.connect({ host, port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

/**
 * GET with node:http or node:https (the lab's self-signed certificates accepted). Rejects on connection
 * errors and after timeoutMs. `servername` is the TLS SNI; `headers` may set Host.
 * @param {string} url @param {{ timeoutMs?: number, servername?: string, headers?: Record<string, string> }} [opts]
 * @returns {Promise<{ status: number, body: string, headers: import('node:http').IncomingHttpHeaders }>}
 */
export function httpGet(url, opts = {}) {
  const tls = url.startsWith('https:')
  const options = { agent: false, timeout: opts.timeoutMs ?? 10_000, headers: opts.headers ?? {} }
  return new Promise((resolve, reject) => {
    const onResponse = (/** @type {import('node:http').IncomingMessage} */ res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', c => {
        body += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
      res.on('error', reject)
    }
    const req = tls
      ? https.get(url, { ...options, servername: opts.servername, rejectUnauthorized: false }, onResponse)
      : http.get(url, options, onResponse)
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)))
    req.on('error', reject)
  })
}

// Labs in parallel test workers pick their slot ports while nothing listens on them yet, so a plain free
// port could be picked twice: each lab reserves its ports in a directory all labs share.
const RESERVED = path.join(process.env.TMPDIR ?? '/tmp', 'bgdeploy-lab-ports')

/** A free port that no other running lab has reserved; reserved for this process until releasePorts(). */
export async function reservePort() {
  fs.mkdirSync(RESERVED, { recursive: true, mode: 0o755 })
  for (;;) {
    const port = await freePort()
    const mark = path.join(RESERVED, String(port))
    try {
      fs.writeFileSync(mark, String(process.pid), { flag: 'wx' })
      return port
    } catch {
      const owner = Number(fs.readFileSync(mark, 'utf8').trim())
      if (!isAlive(owner)) fs.rmSync(mark, { force: true })
    }
  }
}

/**
 * Reserves fixed ports (the debian profile's 80, 443, 8080...) so no other lab's free-port picker hands them
 * out; throws when a live process holds one. @param {number[]} ports
 */
export function reserveFixedPorts(ports) {
  fs.mkdirSync(RESERVED, { recursive: true, mode: 0o755 })
  /** @type {number[]} */
  const taken = []
  try {
    for (const port of ports) {
      const mark = path.join(RESERVED, String(port))
      const owner = fs.existsSync(mark) ? Number(fs.readFileSync(mark, 'utf8').trim()) : 0
      if (owner > 0 && isAlive(owner)) throw new Error(`lab: port ${port} is reserved by process ${owner} (${mark})`)
      fs.writeFileSync(mark, String(process.pid))
      taken.push(port)
    }
  } catch (err) {
    releasePorts(taken)
    throw err
  }
}

/**
 * A free port that is none of `taken` and no lab has reserved: slot ports are free until a deploy binds
 * them, so a plain free port could collide with one. @param {Set<number>} taken
 */
export async function freePortExcept(taken) {
  for (;;) {
    const port = await freePort()
    if (!taken.has(port) && !isReserved(port)) return port
  }
}

/** True when some running lab holds the port. @param {number} port */
export function isReserved(port) {
  return fs.existsSync(path.join(RESERVED, String(port)))
}

/** @param {Iterable<number>} ports */
export function releasePorts(ports) {
  for (const port of ports) fs.rmSync(path.join(RESERVED, String(port)), { force: true })
}
