import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { deploy } from '../../src/deploy.js'
import type { RemoteCommand } from '../../src/ssh/remote.js'
import { Report } from '../../src/report/report.js'
import { emptyOutcome } from '../../src/outcome.js'
import { readSettings } from '../../src/settings/settings.js'
import { singleServer } from '../../src/wiring.js'
import { FakeRemote, fail, ok } from '../support/fake-remote.js'
import { ALLOWED, probeOutput } from '../support/probe-output.js'

const SHA = 'a'.repeat(64)
let healthStatus = 200
let app: Server
let appPort: number

beforeAll(async () => {
  app = createServer((_req, res) => {
    res.writeHead(healthStatus, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ status: healthStatus === 200 ? 'UP' : 'DOWN' }))
  })
  await new Promise<void>(resolve => app.listen(0, '127.0.0.1', resolve))
  appPort = (app.address() as AddressInfo).port
})
afterAll(() => new Promise(resolve => app.close(resolve)))
beforeEach(() => (healthStatus = 200))

/** `running`: slots where a process of ours runs before the deploy. */
function setup(probe: string, running: string[] = []) {
  const alive = new Set(running)
  const slotOf = (command: RemoteCommand) =>
    (command.argv.find(arg => /slots\/(blue|green)/.test(arg)) ?? '').match(/slots\/(blue|green)/)?.[1] ?? ''
  const settings = readSettings(
    name =>
      ({
        host: 'srv',
        username: 'deploy',
        password: 'pw',
        'host-fingerprint': '',
        jar: 'x.jar',
        'app-name': 'api',
        'health-timeout': '2s',
        'drain-timeout': '1s',
        'stop-timeout': '1s'
      })[name] ?? ''
  )
  const remote = new FakeRemote(() => appPort)
    .on('read server state', ok(probe))

    .on('start new version', command => (alive.add(slotOf(command)), ok('4242\n')))
    .on('stop app', command => (alive.delete(slotOf(command)), ok('stopped\n')))
    .on('check new version is running', command => ok(alive.has(slotOf(command)) ? 'alive\n' : 'dead\n'))
    .on('read TCP connections', ok(''))
  const report = new Report()
  const ctx = {
    settings,
    remote,
    report,
    outcome: emptyOutcome(),
    run: { actor: 'me', runUrl: '', commit: '', token: 'tok' },
    progress: () => {}
  }
  const run = () => deploy(singleServer(ctx, { jar: { path: '/tmp/x.jar', sha256: SHA, size: 10 } }))
  return { remote, report, run }
}

/** A refused deploy has only read the server: the probe, and which slots run our app. */
const ONLY_READS = ['read server state', 'check new version is running', 'check new version is running']

describe('deploy sequence', () => {
  it('moves traffic from blue to green in runbook order', async () => {
    const { remote, report, run } = setup(probeOutput({ include: 'set $service_url http://127.0.0.1:8080;', listening: [8080] }), ['blue'])
    const outcome = await run()
    expect(outcome.live).toEqual({ color: 'green', port: 8081 })
    expect(outcome.previous).toEqual({ color: 'blue', port: 8080 })
    // The drain reads the TCP table until the old port has been quiet for a second: many reads, one step.
    const labels = remote.labels().filter((label, i, all) => label !== 'read TCP connections' || all[i - 1] !== label)
    expect(labels).toEqual([
      'read server state',
      'check new version is running',
      'check new version is running',
      'cancel keep-previous timers',
      'prepare release directory',
      'upload and verify',
      'start new version',
      'write nginx include',
      'nginx config test',
      'nginx reload',
      'read TCP connections',
      'stop app',
      'prune old releases',
      'write state.json',
      'record history'
    ])
    expect(remote.uploads.map(u => [u.localPath, u.command.argv.slice(-3)])).toEqual([
      ['/tmp/x.jar', [`bluegreen/api/releases/${SHA.slice(0, 16)}/app.jar.part`, `bluegreen/api/releases/${SHA.slice(0, 16)}/app.jar`, SHA]]
    ])
    expect(remote.commands.find(c => c.label === 'write nginx include')?.stdin).toBe('set $service_url http://127.0.0.1:8081;\n')
    expect(remote.commands.find(c => c.label === 'nginx reload')?.argv).toEqual(['sudo', '-n', 'nginx', '-s', 'reload'])
    expect(remote.tunnels).toEqual([8081, 80])
    expect(report.steps.find(step => step.name === 'Verify through nginx')?.note).toBe(
      'http://shop.example.com/actuator/health (at 127.0.0.1:80) → HTTP 200, status UP'
    )
    expect(report.steps.map(step => step.outcome)).not.toContain('failed')
  })

  it('deploys into blue on an empty server and stops nothing', async () => {
    const { remote, run } = setup(probeOutput({}))
    const outcome = await run()
    expect(outcome).toMatchObject({ live: { color: 'blue', port: 8080 }, previous: null })
    expect(remote.labels()).not.toContain('stop app')
  })

  it('skips the upload when the release is already there', async () => {
    const { remote, report, run } = setup(probeOutput({}))
    remote.on('prepare release directory', ok(SHA + '\n'))
    await run()
    expect(remote.uploads).toHaveLength(0)
    expect(report.steps.find(step => step.name === 'Upload release')?.note).toMatch(/already on the server/)
  })

  it('leaves nginx alone and stops the new version when it is unhealthy', async () => {
    healthStatus = 503
    const { remote, run } = setup(probeOutput({ include: 'set $service_url http://127.0.0.1:8080;', listening: [8080] }), ['blue'])
    remote.on('read app log', ok('Exception in thread main\n'))
    await expect(run()).rejects.toMatchObject({
      message: expect.stringMatching(/did not become healthy/),
      serverState: expect.stringMatching(/live version \(blue :8080\) kept serving.*new version on green :8081 was stopped/)
    })
    expect(remote.labels()).not.toContain('write nginx include')
    expect(remote.labels().slice(-2)).toEqual(['read app log', 'stop app'])
  })

  it('restores the include when the nginx test fails', async () => {
    const { remote, run } = setup(probeOutput({ include: 'set $service_url http://127.0.0.1:8080;', listening: [8080] }), ['blue'])
    let tests = 0
    remote.on('nginx config test', () => (++tests === 1 ? fail(1, 'nginx: [emerg] unexpected "}"') : ok('')))
    await expect(run()).rejects.toMatchObject({
      message: expect.stringMatching(/nginx config test.*emerg/s),
      serverState: expect.stringMatching(/include was restored/)
    })
    const writes = remote.commands.filter(c => c.label.endsWith('nginx include'))
    expect(writes.map(c => [c.label, c.stdin])).toEqual([
      ['write nginx include', 'set $service_url http://127.0.0.1:8081;\n'],
      ['restore nginx include', 'set $service_url http://127.0.0.1:8080;']
    ])
  })

  it('leaves both versions running when the restored configuration cannot be loaded', async () => {
    const { remote, run } = setup(probeOutput({ include: 'set $service_url http://127.0.0.1:8080;', listening: [8080] }), ['blue'])
    let reloads = 0
    // The check through nginx fails after the switch; putting nginx back then fails at the reload.
    remote.on('nginx reload', () => (++reloads === 1 ? ((healthStatus = 503), ok('')) : fail(1, 'nginx: [alert] kill(1234, 1) failed')))
    await expect(run()).rejects.toMatchObject({
      serverState: expect.stringMatching(
        /nginx still routes to the NEW version on green :8081.*Both the new version and the old version on blue :8080 are left running/s
      )
    })
    expect(remote.labels()).not.toContain('stop app')
  })

  it('refuses a foreign process on the idle port before changing anything', async () => {
    const { remote, run } = setup(probeOutput({ include: 'set $service_url http://127.0.0.1:8080;', listening: [8080, 8081] }), ['blue'])
    await expect(run()).rejects.toThrow(/Port 8081 \(the idle green slot\) is held by a process that this action did not start/)
    expect(remote.labels()).toEqual(ONLY_READS)
  })

  it('stops before changing anything when sudo does not allow a command the deploy runs, naming the rule to add', async () => {
    const refused = [ALLOWED[0], ALLOWED[1], ALLOWED[2], 'refused\t/usr/sbin/nginx\t']
    const { remote, run } = setup(probeOutput({ include: 'set $service_url http://127.0.0.1:8080;', listening: [8080], sudo: refused }), [
      'blue'
    ])
    await expect(run()).rejects.toMatchObject({
      message: "The nginx steps run through 'sudo -n', and the login user may not run 'nginx -s reload' that way.",
      serverState: 'Nothing was changed on the server; the live version keeps serving.',
      hint: expect.stringContaining(
        'deploy ALL=(root) NOPASSWD: /usr/bin/tee /etc/nginx/conf.d/service-url.inc, ' +
          '/usr/sbin/nginx -t, /usr/sbin/nginx -T, /usr/sbin/nginx -s reload'
      )
    })
    expect(remote.labels()).toEqual(ONLY_READS)
  })

  it('refuses before changing anything when no server block includes the include file', async () => {
    const config =
      '# configuration file /etc/nginx/nginx.conf:\nhttp { server { listen 80; location / { proxy_pass http://127.0.0.1:8080; } } }'
    const { remote, run } = setup(probeOutput({ include: 'set $service_url http://127.0.0.1:8080;', listening: [8080], config }), ['blue'])
    await expect(run()).rejects.toMatchObject({
      message:
        'No nginx server block includes /etc/nginx/conf.d/service-url.inc, so switching it would change nothing. ' +
        "Read: 'nginx -T' (/etc/nginx/nginx.conf).",
      serverState: 'Nothing was changed on the server; the live version keeps serving.'
    })
    expect(remote.labels()).toEqual(ONLY_READS)
  })

  it('replaces a leftover process of ours in the idle slot', async () => {
    const { remote, run } = setup(probeOutput({ include: 'set $service_url http://127.0.0.1:8080;', listening: [8080, 8081] }), [
      'blue',
      'green'
    ])
    await run()
    expect(remote.labels().indexOf('stop app')).toBeLessThan(remote.labels().indexOf('start new version'))
  })
})
