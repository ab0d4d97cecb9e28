// TIME_WAIT sockets on loopback, as a busy server holds them after a load test: many short connections to
// listeners of our own, each closed by the client first, so the client's end waits out TIME_WAIT (60 s on
// Linux). The connections are made by a child process (this file run as a script) so the benchmark's event
// loop stays free; afterwards `ss -K` removes exactly these sockets (by our listeners' ports), or they expire.
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { runCmd, sleep } from './util.mjs'

const LISTENERS = 64
const CONCURRENCY = 200
/** Linux keeps a socket in TIME_WAIT for TCP_TIMEWAIT_LEN, 60 s, whatever the sysctls say. */
export const TIME_WAIT_MS = 60_000

/** Every listener port a fill used, so clear() can find the sockets it left. @type {Set<number>} */
const usedPorts = new Set()
let lastFillAt = 0

/** TIME_WAIT sockets on the machine (this network namespace), from the kernel's counters. */
export function timeWaitCount() {
  const m = fs.readFileSync('/proc/net/sockstat', 'latin1').match(/^TCP:.*\btw (\d+)/m)
  return m ? Number(m[1]) : null
}

/**
 * Makes `count` connections (so about `count` new TIME_WAIT sockets) in a child process.
 * @param {number} count
 * @returns {Promise<{ made: number, failed: number, ms: number, ports: number[] }>}
 */
export async function fillTimeWait(count) {
  const r = await runCmd(process.execPath, [fileURLToPath(import.meta.url), String(count)], { timeoutMs: 120_000 })
  let result
  try {
    result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '')
  } catch {
    throw new Error(`making TIME_WAIT sockets failed (exit ${r.code}): ${r.stderr.slice(-1000)}`)
  }
  result.ports.forEach((/** @type {number} */ p) => usedPorts.add(p))
  lastFillAt = Date.now()
  return result
}

/**
 * Removes the TIME_WAIT sockets the fills left (only those: their peer is one of our listener ports).
 * Where the kernel cannot destroy sockets (no INET_DIAG_DESTROY), waits for them to expire instead.
 */
export async function clearTimeWait() {
  const ports = [...usedPorts]
  if (ports.length === 0) return
  const filter = `( ${ports.map(p => `dport = :${p}`).join(' or ')} )`
  await runCmd('ss', ['-K', '-Htn', 'state', 'time-wait', 'dst', '127.0.0.1', filter], { timeoutMs: 60_000 })
  const left = await runCmd('ss', ['-Htn', 'state', 'time-wait', 'dst', '127.0.0.1', filter])
  if (left.code === 0 && left.stdout.trim() === '') return usedPorts.clear()
  const wait = lastFillAt + TIME_WAIT_MS + 1000 - Date.now()
  if (wait > 0) await sleep(wait)
  usedPorts.clear()
}

/** Child side: listeners on loopback, `count` connections, the client closing first. @param {number} count */
async function fill(count) {
  const servers = await Promise.all(
    Array.from({ length: LISTENERS }, async () => {
      const server = net.createServer({ allowHalfOpen: true }, socket => {
        socket.on('error', () => {})
        socket.on('end', () => socket.end())
        socket.resume()
      })
      await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve(undefined)))
      return server
    })
  )
  const ports = servers.map(s => /** @type {net.AddressInfo} */ (s.address()).port)
  let next = 0
  let made = 0
  let failed = 0
  const one = (/** @type {number} */ port) =>
    new Promise(resolve => {
      const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => c.end())
      c.on('error', () => (failed += 1))
      c.on('end', () => (made += 1))
      c.on('close', resolve)
      c.resume()
    })
  const worker = async () => {
    while (next < count) await one(ports[next++ % LISTENERS])
  }
  const began = performance.now()
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker))
  await Promise.all(servers.map(s => new Promise(resolve => s.close(() => resolve(undefined)))))
  process.stdout.write(`${JSON.stringify({ made, failed, ms: Math.round(performance.now() - began), ports })}\n`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await fill(Number(process.argv[2]))
}
