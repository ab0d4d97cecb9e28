import { DeployError } from '../../../src/errors.js'
import { rolling } from '../../../src/strategy/rolling.js'
import { RELEASE, fakeFleet } from '../../support/fleet-run.js'

/** The include for app1..app3, each host's line as given. */
const include = (...lines: string[]) => `upstream api {\n${lines.map(line => `    server ${line};`).join('\n')}\n}\n`

describe('rolling', () => {
  it('takes each host out (down), drains it, starts the new version, and puts it back on the new port, one host at a time', async () => {
    const { run, proxy, events } = fakeFleet({ inputs: { strategy: 'rolling' } })
    await rolling(run)
    expect(proxy.writes).toEqual([
      include('app1:8080 down', 'app2:8080', 'app3:8080'),
      include('app1:8081', 'app2:8080', 'app3:8080'),
      include('app1:8081', 'app2:8080 down', 'app3:8080'),
      include('app1:8081', 'app2:8081', 'app3:8080'),
      include('app1:8081', 'app2:8081', 'app3:8080 down'),
      include('app1:8081', 'app2:8081', 'app3:8081')
    ])
    expect(events).toEqual(
      ['app1', 'app2', 'app3'].flatMap((host, i) => [
        `nginx: write #${2 * i + 1}`,
        `${host}: drain blue`,
        `${host}: start green`,
        `${host}: health green`,
        `nginx: write #${2 * i + 2}`,
        'nginx: verify',
        `${host}: stop blue`,
        `${host}: record`
      ])
    )
    expect(run.outcome.hosts.map(host => [host.host, host.state, host.after])).toEqual([
      ['app1', 'updated', RELEASE],
      ['app2', 'updated', RELEASE],
      ['app3', 'updated', RELEASE]
    ])
  })

  it('moves a batch of hosts together', async () => {
    const { run, proxy } = fakeFleet({ inputs: { strategy: 'rolling', 'rolling-batch': '2' } })
    await rolling(run)
    expect(proxy.writes).toEqual([
      include('app1:8080 down', 'app2:8080 down', 'app3:8080'),
      include('app1:8081', 'app2:8081', 'app3:8080'),
      include('app1:8081', 'app2:8081', 'app3:8080 down'),
      include('app1:8081', 'app2:8081', 'app3:8081')
    ])
  })

  it('puts a failing batch back on its old port and leaves the hosts after it unchanged', async () => {
    const { run, proxy, events, apps } = fakeFleet({ inputs: { strategy: 'rolling' } })
    apps[1].app.healthyChecks = 0
    const failure = await rolling(run).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(DeployError)
    expect(failure).toMatchObject({
      message:
        'The rollout stopped at batch 2 of 3: The new version on app2 (green :8081) did not become healthy: HTTP 503 on /actuator/health.',
      serverState:
        `Updated to ${RELEASE.slice(0, 12)}: app1. Back on the old version: app2 (the new version there was stopped). ` +
        'Not reached, untouched: app3.'
    })
    expect(proxy.writes).toEqual([
      include('app1:8080 down', 'app2:8080', 'app3:8080'),
      include('app1:8081', 'app2:8080', 'app3:8080'),
      include('app1:8081', 'app2:8080 down', 'app3:8080'),
      include('app1:8081', 'app2:8080', 'app3:8080')
    ])
    expect(run.report.steps.map(step => step.name)).toContain('Put the batch back on the old version')
    expect(proxy.writes.every(text => text.includes('    server app3:8080;\n'))).toBe(true)
    expect(events.filter(event => event.startsWith('app2:'))).toEqual([
      'app2: drain blue',
      'app2: start green',
      'app2: health green',
      'app2: stop green'
    ])
    expect(events.filter(event => event.startsWith('app3:'))).toEqual([])
    expect(apps[2].remote.commands).toEqual([])
    expect(run.outcome.hosts.map(host => [host.host, host.state, host.slot])).toEqual([
      ['app1', 'updated', { color: 'green', port: 8081 }],
      ['app2', 'rolled back', { color: 'blue', port: 8080 }],
      ['app3', 'untouched', { color: 'blue', port: 8080 }]
    ])
  })

  it('puts a batch back on its old port when the check through nginx fails after it went in on the new one', async () => {
    const { run, proxy, events } = fakeFleet({ inputs: { strategy: 'rolling' } })
    let checks = 0
    proxy.verify = async () => {
      events.push('nginx: verify')
      if (++checks === 2) throw new DeployError('http://shop.example.com/actuator/health → HTTP 502')
      return 'HTTP 200'
    }
    await expect(rolling(run)).rejects.toMatchObject({
      message: 'The rollout stopped at batch 2 of 3: http://shop.example.com/actuator/health → HTTP 502',
      serverState: expect.stringMatching(
        /: app1\. Back on the old version: app2 \(the new version there was stopped\)\. Not reached, untouched: app3\.$/
      )
    })
    expect(proxy.writes.slice(-2)).toEqual([include('app1:8081', 'app2:8081', 'app3:8080'), include('app1:8081', 'app2:8080', 'app3:8080')])
    expect(events.filter(event => event.startsWith('app2:'))).toEqual([
      'app2: drain blue',
      'app2: start green',
      'app2: health green',
      'app2: stop green'
    ])
    expect(run.outcome.hosts.map(host => host.state)).toEqual(['updated', 'rolled back', 'untouched'])
  })

  it.each([['3'], ['5']])('refuses rolling-batch %s with 3 hosts serving, before anything changes', async batch => {
    const { run, proxy, events, apps } = fakeFleet({ inputs: { strategy: 'rolling', 'rolling-batch': batch } })
    await expect(rolling(run)).rejects.toMatchObject({
      message: `'rolling-batch' is ${batch}, but there are 3 host(s): taking them all out at once leaves nothing to serve.`,
      serverState: 'Nothing was changed on any host; the live version keeps serving.'
    })
    expect(proxy.writes).toEqual([])
    expect(events).toEqual([])
    for (const { remote } of apps) expect(remote.commands).toEqual([])
  })

  it.each([
    ['2', ['blue', 'blue', null], 'app1, app2'],
    ['1', ['blue', null, null], 'app1']
  ] as const)(
    'refuses rolling-batch %s when the first batch holds every host that serves (%p), before anything changes',
    async (batch, live, which) => {
      const { run, proxy, events } = fakeFleet({ inputs: { strategy: 'rolling', 'rolling-batch': batch }, live: [...live] })
      await expect(rolling(run)).rejects.toMatchObject({
        message:
          `'rolling-batch' is ${batch}, and the first batch (${which}) holds every host that serves now: ` +
          'taking it out leaves nothing to serve.',
        serverState: 'Nothing was changed on any host; the live version keeps serving.'
      })
      expect(proxy.writes).toEqual([])
      expect(events).toEqual([])
    }
  )

  it('takes out a later batch that holds every host that served before: the hosts before it serve the new version by then', async () => {
    const { run, proxy } = fakeFleet({ inputs: { strategy: 'rolling', 'rolling-batch': '2' }, live: [null, null, 'green'] })
    await rolling(run)
    expect(proxy.writes).toEqual([
      include('app1:8080', 'app2:8080', 'app3:8081'),
      include('app1:8080', 'app2:8080', 'app3:8081 down'),
      include('app1:8080', 'app2:8080', 'app3:8080')
    ])
  })

  it('starts everywhere at once when nothing serves yet, taking nothing out', async () => {
    const { run, proxy } = fakeFleet({ inputs: { strategy: 'rolling', 'rolling-batch': '3' }, live: [null, null, null] })
    await rolling(run)
    expect(proxy.writes).toEqual([include('app1:8080', 'app2:8080', 'app3:8080')])
  })

  it('does not take out a host that serves nothing, but still routes it to the new version', async () => {
    const { run, proxy, events } = fakeFleet({ inputs: { strategy: 'rolling' }, live: ['blue', null, 'blue'] })
    await rolling(run)
    expect(proxy.writes).toEqual([
      include('app1:8080 down', 'app3:8080'),
      include('app1:8081', 'app3:8080'),
      include('app1:8081', 'app2:8080', 'app3:8080'),
      include('app1:8081', 'app2:8080', 'app3:8080 down'),
      include('app1:8081', 'app2:8080', 'app3:8081')
    ])
    expect(events.filter(event => event.startsWith('app2:'))).toEqual(['app2: start blue', 'app2: health blue', 'app2: record'])
  })
})
