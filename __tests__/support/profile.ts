/**
 * Shared by the profile deploy tests (issue 12's "Done when" on the debian lab profile): what the user reads
 * in the summary, what nginx serves on 443 for the server name, and what is on the server.
 */
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { appSite, type DebianLab, type DebianUserKey } from '../../lab/lab.mjs'
import type { ActionRun } from '../../lab/run-action.mjs'
import { repoRoot } from '../../lab/sample-app.mjs'
import { errorOf } from './failure-lab.js'
import { isAlive } from './processes.js'

export { errorOf }

export const MONITORING_TEMPLATE =
  'set $service_url http://127.0.0.1:{port};\nset $service_monitoring_url http://127.0.0.1:{management-port};'

/**
 * A default server on 443 that refuses TLS handshakes for any other name (or none), as hardened setups have:
 * a request without the server name as SNI fails, and one with another Host gets this block's 404. Only a
 * check that sends the server_name as SNI and Host reaches the app.
 */
export const TLS_CATCH_ALL = `server {
	listen 127.0.0.1:443 ssl default_server;
	server_name _;
	ssl_reject_handshake on;
}
`

export async function requireServerName(lab: DebianLab): Promise<void> {
  await lab.writeNginxFile('/etc/nginx/sites-enabled/tls-catch-all', TLS_CATCH_ALL)
  await lab.reloadNginx()
  await expect(lab.httpGet('https://127.0.0.1/version', { timeoutMs: 5000 })).rejects.toThrow()
  const otherHost = await lab.httpGet('https://127.0.0.1/version', { servername: lab.serverName, headers: { Host: '127.0.0.1' } })
  expect(otherHost.status).toBe(404)
}

export async function useAppSite(lab: DebianLab, opts: Parameters<typeof appSite>[0]): Promise<void> {
  await lab.writeNginxFile(lab.appSite, appSite(opts))
  await lab.reloadNginx()
}

/** The README's sudoers line, as written in it. */
export function readmeSudoersRule(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
  return /deploy ALL=\(root\) NOPASSWD: [^`\n]*/.exec(readme)?.[0].trim() ?? '(no sudoers rule for deploy in the README)'
}

/** The Note cell of a step in the job summary, decoded. */
export function stepNote(run: ActionRun, step: string): string {
  const row = new RegExp(`<tr><td>${step}</td><td>([^<]*)</td><td>[^<]*</td><td>((?:(?!</td>).)*)</td></tr>`).exec(run.summary)
  if (!row) return `(no '${step}' step in the summary)`
  const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" }
  return `${row[1]}: ${row[2].replace(/&(amp|lt|gt|quot|#39);/g, entity => entities[entity])}`
}

/**
 * The action's own check through nginx went to 443 with the server name (its note shows the URL a client uses,
 * https://app.example.test/..., and where it connected) and got a healthy answer.
 */
export function expectVerifiedThroughServerName(run: ActionRun, lab: DebianLab, path = '/actuator/health'): void {
  const note = stepNote(run, 'Verify through nginx')
  expect(note).toMatch(/^✅ ok: /)
  const url = `https://${lab.serverName}(:443)?${path.replace(/[/.]/g, '\\$&')}`
  expect(note).toMatch(new RegExp(`${url}( \\(at 127\\.0\\.0\\.1:443\\))? → HTTP 200`))
  expect(note).not.toMatch(/:80\//)
}

/** The run succeeded: no error annotation, and the outputs say so. */
export function expectDeployed(run: ActionRun, color: 'blue' | 'green'): void {
  expect(errorOf(run)).toBe('')
  expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': color })
}

/** GET https://127.0.0.1:443<path> for the server name: `<status> <body>`. */
export async function served(lab: DebianLab, path = '/version'): Promise<string> {
  const res = await lab.appGet(path)
  return `${res.status} ${res.body.trim()}`
}

export const includeOnHost = (lab: DebianLab) => readFileSync(join(lab.etcNginx, 'conf.d/service-url.inc'), 'utf8')

export const remoteDir = (lab: DebianLab, user: DebianUserKey, app: string) => `${lab.users[user].home}/bluegreen/${app}`

/** The uid that owns a process, from /proc. */
export function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find(l => l.startsWith('Uid:'))
  return Number(line?.split(/\s+/)[1] ?? -1)
}

export function listening(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Resolves once nothing listens on `port` any more (after a process that held it was stopped). */
export async function untilClosed(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (await listening(port)) {
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${port} still accepts connections after ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/** Requests through nginx on 443 back to back until stopped: what a client saw while the action ran. */
export function clientsThrough443(lab: DebianLab, clients = 2): { stop(): Promise<string[]> } {
  const seen: string[] = []
  let running = true
  const client = async () => {
    while (running) {
      const answer = await lab.appGet('/version', { timeoutMs: 5000 }).then(
        res => `${res.status} ${res.body.trim()}`,
        (error: Error) => `error ${error.message}`
      )
      seen.push(answer)
    }
  }
  const all = Array.from({ length: clients }, client)
  return {
    async stop() {
      running = false
      await Promise.all(all)
      return seen
    }
  }
}

/** Every one of `seen` was `expected`, and there were some. */
export function expectOnly(seen: string[], expected: string): void {
  expect(seen.length).toBeGreaterThan(0)
  expect([...new Set(seen)]).toEqual([expected])
}

export async function untilExited(pid: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs after ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
