import { accessLogDirectives } from '../../../src/commands/access-log.js'
import { DeployError } from '../../../src/errors.js'
import { canary } from '../../../src/strategy/canary.js'
import { ok } from '../../support/fake-remote.js'
import { fakeFleet } from '../../support/fleet-run.js'

const LOG_DIR = '/srv/bluegreen/api'
const LOGGING = accessLogDirectives({ app: 'api', upstream: 'api', logPath: `${LOG_DIR}/canary-access.log` })
const HOSTS = [1, 2, 3]

/** The include at a canary share: every host's stable port weighted 100 - share, its canary port share. */
const weighted = (share: number) =>
  `upstream api {\n${HOSTS.map(n => `    server app${n}:8080 weight=${100 - share};\n    server app${n}:8081 weight=${share};`).join('\n')}\n}\n${LOGGING}`
const only = (port: number) => `upstream api {\n${HOSTS.map(n => `    server app${n}:${port};`).join('\n')}\n}\n`

/** What the access-log aggregation prints: per resolved upstream address, attempts, errors and latency buckets. */
const traffic = (canaryErrors: number) =>
  ['range 100 900', ...HOSTS.flatMap(n => [`server 10.0.0.${n}:8080 90 0 15:90`, `server 10.0.0.${n}:8081 10 ${canaryErrors} 15:10`])].join(
    '\n'
  )

function canaryFleet(canaryErrors = 0) {
  const fleet = fakeFleet({ inputs: { strategy: 'canary', 'canary-steps': '25,50,100', 'canary-interval': '0' } })
  fleet.nginx
    .on('resolve app addresses', ok('app1 10.0.0.1\napp2 10.0.0.2\napp3 10.0.0.3\n'))
    .on('read access log size', ok('100\n'))
    .on('read canary traffic', ok(traffic(canaryErrors)))
  return fleet
}

describe('canary across hosts', () => {
  it('weights the canary up step by step, logging its traffic, then routes every host to it alone and retires the stable version', async () => {
    const { run, proxy, nginx, events } = canaryFleet()
    await canary(run, LOG_DIR)
    expect(proxy.writes).toEqual([weighted(25), weighted(50), only(8081)])
    expect(proxy.writes[0]).toContain(`access_log ${LOG_DIR}/canary-access.log bluegreen_canary_api if=$bluegreen_canary_api;`)
    expect(proxy.writes[2]).not.toContain('access_log')
    // The log is removed first too: an earlier failed canary's lines would pass the first step's check.
    expect(nginx.labels()).toEqual([
      `remove ${LOG_DIR}/canary-access.log`,
      'resolve app addresses',
      'read access log size',
      'read canary traffic',
      'read access log size',
      'read canary traffic',
      `remove ${LOG_DIR}/canary-access.log`
    ])
    expect(run.outcome.canary.map(step => [step.share, step.passed, step.canary.requests, step.stable.requests, step.healthy])).toEqual([
      [25, true, 30, 270, true],
      [50, true, 30, 270, true]
    ])
    for (const n of HOSTS) {
      expect(events.indexOf(`app${n}: drain blue`)).toBeGreaterThan(events.indexOf('nginx: write #3'))
      expect(events).toContain(`app${n}: stop blue`)
      expect(events).not.toContain(`app${n}: stop green`)
    }
    expect(run.outcome.hosts.map(host => host.state)).toEqual(['updated', 'updated', 'updated'])
  })

  it("reads the canary's and the stable version's numbers by the addresses nginx resolved", async () => {
    const { run, nginx } = canaryFleet()
    await canary(run, LOG_DIR)
    expect(nginx.commands.find(command => command.label === 'resolve app addresses')?.argv.slice(-3)).toEqual(['app1', 'app2', 'app3'])
    const stats = nginx.commands.filter(command => command.label === 'read canary traffic')
    expect(stats.map(command => command.argv.slice(-2))).toEqual([
      [`${LOG_DIR}/canary-access.log`, '100'],
      [`${LOG_DIR}/canary-access.log`, '100']
    ])
  })

  it('takes the canary out when its gate fails on errors: the stable-only include, and the canary stopped on every host', async () => {
    const { run, proxy, events, nginx } = canaryFleet(5)
    const failure = await canary(run, LOG_DIR).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(DeployError)
    expect(failure).toMatchObject({
      message:
        'The canary failed its gate at 25% of the traffic: canary error rate 50.0% (15 of 30) is above canary-max-error-rate 1%, ' +
        'while the stable servers had 0.0% (0 of 270).',
      serverState: 'nginx sends every request to the stable version again, and the canary was stopped on every host.'
    })
    expect(proxy.writes).toEqual([weighted(25), only(8080)])
    expect(proxy.writes[1]).not.toContain('access_log')
    for (const n of HOSTS) {
      expect(events.indexOf(`app${n}: drain green`)).toBeGreaterThan(events.indexOf('nginx: write #2'))
      expect(events.indexOf(`app${n}: stop green`)).toBeGreaterThan(events.indexOf(`app${n}: drain green`))
      expect(events).not.toContain(`app${n}: stop blue`)
      expect(events).not.toContain(`app${n}: record`)
    }
    expect(nginx.labels().at(-1)).toBe(`remove ${LOG_DIR}/canary-access.log`)
    expect(run.outcome.canary).toHaveLength(1)
    expect(run.outcome.canary[0]).toMatchObject({ share: 25, passed: false, canary: { requests: 30, errors: 15, errorRate: 0.5 } })
    expect(run.outcome.hosts.map(host => host.state)).toEqual(['rolled back', 'rolled back', 'rolled back'])
  })

  it("takes the canary out when its health check fails at a step's end", async () => {
    const { run, proxy, apps } = canaryFleet()
    apps[2].app.healthyChecks = 1
    await expect(canary(run, LOG_DIR)).rejects.toThrow(
      "The canary failed its gate at 25% of the traffic: the canary's health check did not answer healthy at the end of the step."
    )
    expect(proxy.writes).toEqual([weighted(25), only(8080)])
  })

  it('takes the canary out when the check through nginx fails once every host is on it', async () => {
    const { run, proxy, events } = canaryFleet()
    let checks = 0
    proxy.verify = async () => {
      // The first check is the one that waits for the canary's log; the second follows the switch to 100%.
      if (++checks === 2) throw new DeployError('http://shop.example.com/actuator/health → HTTP 502')
      return 'HTTP 200'
    }
    await expect(canary(run, LOG_DIR)).rejects.toMatchObject({
      message: 'http://shop.example.com/actuator/health → HTTP 502',
      serverState: 'nginx sends every request to the stable version again, and the canary was stopped on every host.'
    })
    expect(proxy.writes).toEqual([weighted(25), weighted(50), only(8081), only(8080)])
    for (const n of HOSTS) {
      expect(events).toContain(`app${n}: stop green`)
      expect(events).not.toContain(`app${n}: stop blue`)
    }
    expect(run.outcome.hosts.map(host => host.state)).toEqual(['rolled back', 'rolled back', 'rolled back'])
  })

  it('takes the canary out when nginx logs nothing for it after five checks through nginx', async () => {
    const { run, proxy, nginx, events } = canaryFleet()
    nginx.on('read access log size', ok('0\n'))
    await expect(canary(run, LOG_DIR)).rejects.toMatchObject({
      message: `nginx logged nothing to ${LOG_DIR}/canary-access.log for the check through nginx, so the canary could not be watched.`,
      serverState: 'nginx sends every request to the stable version again, and the canary was stopped on every host.'
    })
    expect(events.filter(event => event === 'nginx: verify')).toHaveLength(5)
    expect(proxy.writes).toEqual([weighted(25), only(8080)])
  })

  it('fails the step when nginx logged requests, but to none of the addresses the canary and the stable version are known by', async () => {
    const fleet = fakeFleet({ inputs: { strategy: 'canary', 'canary-steps': '25,100', 'canary-interval': '0' } })
    fleet.nginx
      .on('resolve app addresses', ok('app1 10.0.0.1\napp2 10.0.0.2\napp3 10.0.0.3\n'))
      .on('read access log size', ok('100\n'))
      .on('read canary traffic', ok('range 100 900\nserver 192.0.2.7:8080 90 0 15:90'))
    await expect(canary(fleet.run, LOG_DIR)).rejects.toThrow(
      /The canary failed its gate at 25% .*nginx logged requests to 192\.0\.2\.7:8080, but none to the canary \(10\.0\.0\.1:8081, .*set 'app-address'/
    )
    expect(fleet.proxy.writes.at(-1)).toBe(only(8080))
  })

  it('refuses before starting anything when the nginx host cannot resolve an app address', async () => {
    const fleet = fakeFleet({ inputs: { strategy: 'canary', 'canary-steps': '25,100', 'canary-interval': '0' } })
    fleet.nginx.on('resolve app addresses', ok('app1 10.0.0.1\napp2\napp3 10.0.0.3\n'))
    await expect(canary(fleet.run, LOG_DIR)).rejects.toThrow(/The nginx host cannot resolve app2/)
    expect(fleet.events.filter(event => event.includes('start'))).toEqual([])
    expect(fleet.proxy.writes).toEqual([])
  })
})
