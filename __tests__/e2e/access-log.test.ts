/**
 * The canary's access log against real nginx: the directives in an http-level include beside the upstream block, real
 * traffic through nginx to counting servers, and the aggregation script run by sh with this machine's awk on the log
 * that nginx wrote.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { releasePorts, reservePort } from '../../lab/lab.mjs'
import { accessLogDirectives, accessLogSize, accessLogStats } from '../../src/commands/access-log.js'
import type { RemoteCommand } from '../../src/commands/script.js'
import { shellJoin } from '../../src/commands/shell.js'
import { parseAccessLogSize, parseAccessLogStats, statsFor, type ServerTraffic } from '../../src/proxy/access-stats.js'
import { countingServer, getAll, type CountingServer } from '../support/upstream-servers.js'

const UPSTREAM = 'shop_backend'
const SLOW_MS = 60
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx'

let dir = ''
const reserved: number[] = []
const port = { nginx: 0, other: 0, second: 0, ownLog: 0, fast: 0, slow: 0, down: 0 }
const servers: CountingServer[] = []
let nginx: ChildProcess | undefined
const paths = { log: '', secondLog: '', conf: '' }
const address = (which: 'fast' | 'slow' | 'down'): string => `127.0.0.1:${port[which]}`

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'access-log-'))
  Object.assign(paths, { log: join(dir, 'canary.log'), secondLog: join(dir, 'second.log'), conf: join(dir, 'nginx.conf') })
  for (const name of Object.keys(port) as (keyof typeof port)[]) {
    port[name] = await reservePort()
    reserved.push(port[name])
  }
  servers.push(await countingServer(port.fast), await countingServer(port.slow, { delayMs: SLOW_MS, failEvery: 4 }))
  writeFileSync(join(dir, 'upstreams.conf'), upstreamsInclude())
  writeFileSync(paths.conf, nginxConf())
  execFileSync(NGINX, ['-c', paths.conf, '-t'], { stdio: 'pipe' })
  nginx = await startNginx()
})

afterAll(async () => {
  if (nginx?.pid && nginx.exitCode === null) {
    const exited = once(nginx, 'exit')
    process.kill(nginx.pid, 'SIGTERM')
    await exited
  }
  await Promise.all(servers.map(server => server.close()))
  releasePorts(reserved)
  rmSync(dir, { recursive: true, force: true })
})

/** The include as the action writes it: the upstream block, then the access log directives, all in http context. */
function upstreamsInclude(): string {
  return `upstream ${UPSTREAM} {
  server ${address('fast')} weight=3;
  server ${address('slow')} weight=1;
  server ${address('down')} weight=1 max_fails=0;
}
${accessLogDirectives({ app: 'shop', upstream: UPSTREAM, logPath: paths.log })}
upstream default { server ${address('fast')}; }
${accessLogDirectives({ app: 'shop.v2', upstream: 'default', logPath: paths.secondLog })}`
}

function nginxConf(): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(kind => `${kind}_temp_path ${dir}/${kind};`).join(' ')
  return `daemon off; master_process on; user root; worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 256; }
http {
  ${temp}
  include ${dir}/upstreams.conf;
  server {
    listen 127.0.0.1:${port.nginx};
    location / { proxy_pass http://${UPSTREAM}; }
    location /again/ { proxy_pass http://${UPSTREAM}; proxy_intercept_errors on; error_page 500 = @again; }
    location @again { proxy_pass http://${UPSTREAM}; }
    location /uri/ { proxy_pass http://${UPSTREAM}/elsewhere/; proxy_set_header Host other.test; }
    location /variable/ { set $target ${UPSTREAM}; proxy_pass http://$target; }
  }
  server {
    listen 127.0.0.1:${port.other};
    location / { proxy_pass http://${address('fast')}; }
    location = /plain { return 204; }
  }
  server { listen 127.0.0.1:${port.second}; location / { proxy_pass http://default; } }
  server { listen 127.0.0.1:${port.ownLog}; access_log ${dir}/own.log; location / { proxy_pass http://${UPSTREAM}; } }
}
`
}

/** nginx in the foreground, ready once its master has started the worker (after it bound the ports). */
async function startNginx(): Promise<ChildProcess> {
  const child = spawn(NGINX, ['-c', paths.conf], { stdio: ['ignore', 'ignore', 'pipe'] })
  let said = ''
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', chunk => {
      said = (said + String(chunk)).slice(-4000)
      if (said.includes('start worker process')) resolve()
    })
    child.once('exit', code => reject(new Error(`nginx exited with ${code}: ${said}`)))
  })
  return child
}

function run(command: RemoteCommand): string {
  return execFileSync('sh', ['-c', shellJoin(command.argv)], { encoding: 'utf8' })
}

/** nginx writes a request's line after the answer went out: wait for the lines, not for the answers. */
async function waitForLines(path: string, count: number): Promise<string> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : ''
    if (text.split('\n').length - 1 >= count || Date.now() > deadline) return text
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** The same aggregation, written plainly from nginx's documented format, to check the awk script against. */
function reference(text: string): Map<string, ServerTraffic> {
  const servers = new Map<string, ServerTraffic>()
  for (const line of text.split('\n').filter(Boolean)) {
    const [addrs, codes, times, status] = line
      .split('\t')
      .slice(1)
      .map(field => field.split(/, | : /))
    addrs.forEach((addr, i) => {
      const server = servers.get(addr) ?? { attempts: 0, errors: 0, latency: new Map<number, number>() }
      servers.set(addr, server)
      server.attempts++
      const clientLeft = i === addrs.length - 1 && status[0] === '499'
      if (/^\d+$/.test(codes[i]) ? Number(codes[i]) >= 500 : !clientLeft) server.errors++
      if (/^[\d.]+$/.test(times[i])) {
        const ms = Math.round(Number(times[i]) * 1000)
        const bucket = ms < 1 ? 0 : Math.min(226, Math.floor(Math.log(ms) / Math.log(1.05)) + 1)
        server.latency.set(bucket, (server.latency.get(bucket) ?? 0) + 1)
      }
    })
  }
  return servers
}

const urls = (serverPort: number, path: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `http://127.0.0.1:${serverPort}${path}${i}`)

describe('the canary access log', () => {
  it('holds every request whose proxy_pass names the upstream (with a URI, through a variable), each attempt under its own server, nothing proxied elsewhere', async () => {
    expect(parseAccessLogSize(run(accessLogSize(paths.log)))).toBe(0)
    await Promise.all([
      getAll([
        ...urls(port.nginx, '/item/', 160),
        ...urls(port.nginx, '/uri/', 20),
        ...urls(port.nginx, '/variable/', 20),
        ...urls(port.nginx, '/again/', 60)
      ]),
      getAll([...urls(port.other, '/direct/', 40), ...Array(10).fill(`http://127.0.0.1:${port.other}/plain`)])
    ])
    await waitForLines(paths.log, 260)
    // A last request: once its line is there, the one worker has finished with every earlier request.
    await getAll([`http://127.0.0.1:${port.nginx}/last`])
    const text = await waitForLines(paths.log, 261)
    expect(text.split('\n')).toHaveLength(262)
    expect(text).toContain(`${address('down')}, `)
    expect(text).toMatch(new RegExp(`${address('slow')} : `))

    const stats = parseAccessLogStats(run(accessLogStats(paths.log, 0)))
    expect(stats).toEqual({ from: 0, to: statSync(paths.log).size, servers: reference(text) })
    const [fast, slow] = servers
    expect(stats.servers.get(address('fast'))).toMatchObject({ attempts: fast.answered - 40, errors: 0 })
    expect(stats.servers.get(address('slow'))).toMatchObject({ attempts: slow.answered, errors: slow.failed })
    const down = stats.servers.get(address('down'))
    expect(down?.errors).toBe(down?.attempts)
    expect(down?.attempts).toBeGreaterThan(0)
    expect([...stats.servers.keys()].sort()).toEqual([address('down'), address('fast'), address('slow')].sort())
    expect(statsFor(stats, [address('slow')]).p50Ms).toBeGreaterThanOrEqual((SLOW_MS * 2) / 3)
    expect(statsFor(stats, [address('fast'), address('slow'), address('down')])).toMatchObject({
      requests: fast.answered - 40 + slow.answered + (down?.attempts ?? 0),
      errors: slow.failed + (down?.attempts ?? 0)
    })
  })

  it('from an offset, counts only what nginx logged after it', async () => {
    const from = parseAccessLogSize(run(accessLogSize(paths.log)))
    expect(from).toBe(statSync(paths.log).size)
    const linesBefore = readFileSync(paths.log, 'utf8').split('\n').length - 1
    servers.forEach(server => server.reset())
    await getAll(urls(port.nginx, '/more/', 100))
    const text = await waitForLines(paths.log, linesBefore + 100)

    const stats = parseAccessLogStats(run(accessLogStats(paths.log, from)))
    expect(stats).toEqual({ from, to: Buffer.byteLength(text), servers: reference(text.slice(from)) })
    const [fast, slow] = servers
    expect(stats.servers.get(address('fast'))?.attempts).toBe(fast.answered)
    expect(stats.servers.get(address('slow'))).toMatchObject({ attempts: slow.answered, errors: slow.failed })
  })

  it("keeps a second app's upstream, even one named like a map keyword, in its own log", async () => {
    const linesBefore = readFileSync(paths.log, 'utf8').split('\n').length - 1
    await getAll(urls(port.second, '/', 20))
    const text = await waitForLines(paths.secondLog, 20)
    expect(text.trim().split('\n')).toHaveLength(20)
    expect(parseAccessLogStats(run(accessLogStats(paths.secondLog, 0))).servers.get(address('fast'))?.attempts).toBe(20)
    await getAll([`http://127.0.0.1:${port.nginx}/last`])
    expect(await waitForLines(paths.log, linesBefore + 1)).toHaveLength(statSync(paths.log).size)
    expect(readFileSync(paths.log, 'utf8').split('\n').length - 1).toBe(linesBefore + 1)
  })

  it('misses a server block that has an access_log of its own: nginx does not inherit the http-level one there', async () => {
    const linesBefore = readFileSync(paths.log, 'utf8').split('\n').length - 1
    await getAll(urls(port.ownLog, '/', 10))
    expect((await waitForLines(join(dir, 'own.log'), 10)).trim().split('\n')).toHaveLength(10)
    await getAll([`http://127.0.0.1:${port.nginx}/last`])
    await waitForLines(paths.log, linesBefore + 1)
    expect(readFileSync(paths.log, 'utf8').split('\n').length - 1).toBe(linesBefore + 1)
  })
})
