/** The deploy sequence with a management port per slot: probe, plan, start, health, switch, drain and record. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { emptyOutcome } from '../../src/outcome.js'
import { RemoteAppHost } from '../../src/runtimes/app-host.js'
import type { AppRuntime } from '../../src/runtimes/runtime.js'
import { deploy } from '../../src/deploy.js'
import { Report } from '../../src/report/report.js'
import { readSettings } from '../../src/settings/settings.js'
import { singleServer } from '../../src/wiring.js'
import { FakeRemote, ok } from '../support/fake-remote.js'
import { probeOutput } from '../support/probe-output.js'

const TEMPLATE = 'set $service_url http://127.0.0.1:{port};\nset $service_monitoring_url http://127.0.0.1:{management-port};'
const LIVE_BLUE = 'set $service_url http://127.0.0.1:8080;\nset $service_monitoring_url http://127.0.0.1:18081;\n'

let app: Server
let appPort: number

beforeAll(async () => {
  app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"pass"}'))
  await new Promise<void>(resolve => app.listen(0, '127.0.0.1', resolve))
  appPort = (app.address() as AddressInfo).port
})
afterAll(() => new Promise(resolve => app.close(resolve)))

function setup(listening: number[]) {
  const inputs: Record<string, string> = {
    host: 'srv',
    username: 'deploy',
    password: 'pw',
    jar: 'x.jar',
    'app-name': 'api',
    'management-ports': '18081,18082',
    'health-port': 'management',
    'nginx-include-template': TEMPLATE,
    'app-args': '--port {port}',
    'drain-timeout': '1s',
    'stop-timeout': '1s'
  }
  const settings = readSettings(name => inputs[name] ?? '')
  const alive = new Set(['blue'])
  const slotOf = (argv: string[]) => argv.find(arg => /slots\/(blue|green)/.test(arg))?.match(/slots\/(blue|green)/)?.[1] ?? ''
  const remote = new FakeRemote(() => appPort)
    .on('read server state', ok(probeOutput({ include: LIVE_BLUE, listening })))
    .on('start new version', command => (alive.add(slotOf(command.argv)), ok('4242\n')))
    .on('stop app', command => (alive.delete(slotOf(command.argv)), ok('stopped\n')))
    .on('check new version is running', command => ok(alive.has(slotOf(command.argv)) ? 'alive\n' : 'dead\n'))
  const report = new Report()
  const ctx = {
    settings,
    remote,
    report,
    outcome: emptyOutcome(),
    run: { actor: 'me', runUrl: '', commit: '', token: 'tok' },
    progress: () => {}
  }
  const run = () => deploy(singleServer(ctx, { jar: { path: '/tmp/x.jar', sha256: 'a'.repeat(64), size: 10 } }))
  return { remote, report, run }
}

describe('deploy with management ports', () => {
  it('starts, checks, routes, drains and records both ports of each slot', async () => {
    const { remote, report, run } = setup([8080, 18081])
    const outcome = await run()
    expect(outcome.live).toEqual({ color: 'green', port: 8081, managementPort: 18082 })
    const argv = (label: string) => remote.commands.find(command => command.label === label)?.argv ?? []
    // The probe reads the sockets of all four ports.
    expect(argv('read server state').slice(-4)).toEqual(['8080', '18081', '8081', '18082'])
    const start = argv('start new version')
    expect(start).toContain('MANAGEMENT_SERVER_PORT=18082')
    expect(start.slice(-2)).toEqual(['--port', '8081'])
    // The health check asks the new slot's management port; the check through nginx asks nginx.
    expect(remote.tunnels).toEqual([18082, 80])
    expect(report.steps.find(step => step.name === 'Health check')?.note).toBe('1 attempt(s) on :18082 (management port)')
    expect(remote.commands.find(command => command.label === 'write nginx include')?.stdin).toBe(
      'set $service_url http://127.0.0.1:8081;\nset $service_monitoring_url http://127.0.0.1:18082;\n'
    )
    // The old version drains on both of its ports.
    expect(argv('read TCP connections').slice(-2)).toEqual(['8080', '18081'])
    const state = JSON.parse(remote.commands.find(command => command.label === 'write state.json')?.stdin ?? '{}')
    expect(state.active).toMatchObject({ color: 'green', port: 8081, managementPort: 18082 })
    expect(state.previous).toMatchObject({ color: 'blue', port: 8080, managementPort: 18081 })
  })

  it('refuses a stranger on the idle slot management port before changing anything', async () => {
    const { remote, run } = setup([8080, 18081, 18082])
    await expect(run()).rejects.toThrow(
      /Port 18082 \(the management port of the idle green slot\) is held by a process that this action did not start/
    )
    expect(remote.labels()).not.toContain('prepare release directory')
  })

  it('asks the configured management port of a slot recorded before management ports existed (status)', async () => {
    const { remote } = setup([])
    const settings = readSettings(
      name =>
        ({
          host: 'srv',
          username: 'u',
          password: 'p',
          'app-name': 'api',
          jar: 'x.jar',
          'management-ports': '18081,18082',
          'health-port': 'management'
        })[name] ?? ''
    )
    const host = new RemoteAppHost(remote, settings, {} as AppRuntime)
    expect(host.healthPort({ color: 'green', port: 8081 })).toBe(18082)
    expect(host.healthPort({ color: 'green', port: 8081, managementPort: 19000 })).toBe(19000)
  })
})
