// A WAN link in front of a loopback service (the lab's sshd): every byte is delayed by half the round
// trip time in each direction, and each direction is one bottleneck of a fixed rate shared by all
// connections, like the runner's path to a server across an ocean. Loopback only.
//
// The TCP handshake is modelled too: the upstream connection opens half a round trip after the
// client's, and the client's first bytes arrive no sooner than one and a half round trips after it
// connected, as they would after SYN, SYN-ACK and ACK.
import { spawn } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const WAN_DEFAULTS = { rttMs: 90, mbit: 100 }

/** Bytes a direction may hold in flight before the sender is paused (about a socket buffer). */
const QUEUE_LIMIT = 4 * 1024 * 1024

/**
 * One direction of the link: chunks leave in order, each after the previous one has been "sent" at the
 * link's rate, and arrive half a round trip later.
 */
class Direction {
  /** @param {{ oneWayMs: number, bytesPerMs: number }} link @param {{ freeAt: number }} shared */
  constructor(link, shared) {
    this.link = link
    this.shared = shared
    /** @type {{ at: number, chunk: Buffer | null }[]} */
    this.queue = []
    this.queued = 0
    this.timer = undefined
    this.notBefore = 0
    this.bytes = 0
  }

  /** @param {Buffer | null} chunk null for the end of the stream @param {net.Socket} to */
  push(chunk, to) {
    const now = performance.now()
    const size = chunk?.length ?? 0
    const departs = Math.max(now, this.shared.freeAt) + size / this.link.bytesPerMs
    this.shared.freeAt = departs
    this.queue.push({ at: Math.max(departs + this.link.oneWayMs, this.notBefore), chunk })
    this.queued += size
    this.bytes += size
    this.deliver(to)
  }

  /** @param {net.Socket} to */
  deliver(to) {
    if (this.timer) return
    const next = () => {
      this.timer = undefined
      const now = performance.now()
      while (this.queue.length > 0 && this.queue[0].at <= now + 0.5) {
        const { chunk } = /** @type {{ chunk: Buffer | null }} */ (this.queue.shift())
        if (chunk === null) to.end()
        else if (!to.destroyed) {
          to.write(chunk)
          this.queued -= chunk.length
        }
      }
      this.onDrained?.()
      if (this.queue.length > 0) this.timer = setTimeout(next, Math.max(0, this.queue[0].at - performance.now()))
    }
    this.timer = setTimeout(next, Math.max(0, (this.queue[0]?.at ?? 0) - performance.now()))
  }

  stop() {
    clearTimeout(this.timer)
    this.queue = []
  }
}

/**
 * @param {{ port: number, host?: string }} target
 * @param {{ rttMs?: number, mbit?: number }} [options]
 */
export async function startWanProxy(target, options = {}) {
  const { rttMs, mbit } = { ...WAN_DEFAULTS, ...options }
  const link = { oneWayMs: rttMs / 2, bytesPerMs: (mbit * 1e6) / 8 / 1000 }
  const up = { freeAt: 0 }
  const down = { freeAt: 0 }
  const stats = { connections: 0, bytesUp: 0, bytesDown: 0 }
  /** @type {Set<() => void>} */
  const closers = new Set()

  const server = net.createServer({ allowHalfOpen: true }, client => {
    stats.connections += 1
    const started = performance.now()
    const toServer = new Direction(link, up)
    const toClient = new Direction(link, down)
    toServer.notBefore = started + rttMs + link.oneWayMs
    /** @type {net.Socket | undefined} */
    let upstream
    const pending = /** @type {(Buffer | null)[]} */ ([])
    const close = () => {
      toServer.stop()
      toClient.stop()
      client.destroy()
      upstream?.destroy()
      closers.delete(close)
    }
    closers.add(close)
    const forward = (/** @type {Direction} */ dir, /** @type {net.Socket} */ from, /** @type {() => net.Socket | undefined} */ to) => {
      dir.onDrained = () => {
        if (dir.queued < QUEUE_LIMIT / 2) from.resume()
      }
      const send = (/** @type {Buffer | null} */ chunk) => {
        const socket = to()
        if (!socket) return void pending.push(chunk)
        dir.push(chunk, socket)
        if (dir.queued > QUEUE_LIMIT) from.pause()
      }
      let ended = false
      const end = () => {
        if (ended) return
        ended = true
        send(null)
      }
      from.on('data', chunk => {
        if (dir === toServer) stats.bytesUp += chunk.length
        else stats.bytesDown += chunk.length
        send(chunk)
      })
      // The end travels behind the data still on the link, as a FIN would.
      from.on('end', end)
      from.on('close', () => {
        end()
        if (client.destroyed && upstream?.destroyed !== false) closers.delete(close)
      })
      from.on('error', () => from.destroy())
    }
    forward(toServer, client, () => upstream)
    setTimeout(() => {
      if (client.destroyed) return
      upstream = net.connect({ port: target.port, host: target.host ?? '127.0.0.1', allowHalfOpen: true })
      forward(toClient, upstream, () => client)
      pending.splice(0).forEach(chunk => toServer.push(chunk, /** @type {net.Socket} */ (upstream)))
    }, link.oneWayMs)
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(undefined))
  })
  const address = /** @type {net.AddressInfo} */ (server.address())
  return {
    port: address.port,
    rttMs,
    mbit,
    stats,
    async stop() {
      ;[...closers].forEach(close => close())
      await new Promise(resolve => server.close(() => resolve(undefined)))
    }
  }
}

/**
 * The proxy in a process of its own, so that a busy test or benchmark process does not add to its
 * delays. `stats()` asks it for its byte counts.
 * @param {{ port: number, host?: string }} target
 * @param {{ rttMs?: number, mbit?: number }} [options]
 */
export async function spawnWanProxy(target, options = {}) {
  const { rttMs, mbit } = { ...WAN_DEFAULTS, ...options }
  const args = [fileURLToPath(import.meta.url), String(target.port), String(rttMs), String(mbit)]
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = readline.createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) })
  /** @type {((line: string) => void)[]} */
  const waiting = []
  lines.on('line', line => waiting.shift()?.(line))
  const nextLine = () =>
    new Promise((resolve, reject) => {
      waiting.push(resolve)
      child.once('exit', code => reject(new Error(`wan-proxy exited with code ${code}`)))
    })
  const port = Number(await nextLine())
  return {
    port,
    rttMs,
    mbit,
    pid: /** @type {number} */ (child.pid),
    /** @returns {Promise<{ connections: number, bytesUp: number, bytesDown: number }>} */
    async stats() {
      child.stdin?.write('stats\n')
      return JSON.parse(/** @type {string} */ (await nextLine()))
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise(resolve => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [port, rttMs, mbit] = process.argv.slice(2).map(Number)
  const proxy = await startWanProxy({ port }, { rttMs, mbit })
  process.stdout.write(`${proxy.port}\n`)
  readline.createInterface({ input: process.stdin }).on('line', () => process.stdout.write(`${JSON.stringify(proxy.stats)}\n`))
  process.once('SIGTERM', () => proxy.stop().then(() => process.exit(0)))
}
