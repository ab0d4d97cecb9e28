import { DeployError } from '../../../src/errors.js'
import { blueGreenAcrossHosts } from '../../../src/strategy/across-hosts.js'
import { RELEASE, fakeFleet } from '../../support/fleet-run.js'

const ALL_ON_GREEN = 'upstream api {\n    server app1:8081;\n    server app2:8081;\n    server app3:8081;\n}\n'

describe('blue/green across hosts', () => {
  it("starts everywhere, then writes ONE include with every host's new port, then retires every old version", async () => {
    const { run, proxy, events, apps } = fakeFleet()
    await blueGreenAcrossHosts(run)
    expect(proxy.writes).toEqual([ALL_ON_GREEN])
    const write = events.indexOf('nginx: write #1')
    // Every host was started and healthy before the switch; every old version drained and stopped after it.
    for (const name of ['app1', 'app2', 'app3']) {
      expect(events.indexOf(`${name}: health green`)).toBeGreaterThan(events.indexOf(`${name}: start green`))
      expect(events.indexOf(`${name}: health green`)).toBeLessThan(write)
      expect(events.indexOf(`${name}: drain blue`)).toBeGreaterThan(write)
      expect(events.indexOf(`${name}: stop blue`)).toBeGreaterThan(events.indexOf(`${name}: drain blue`))
      expect(events.indexOf(`${name}: record`)).toBeGreaterThan(events.indexOf(`${name}: stop blue`))
    }
    expect(events.filter(event => event.startsWith('nginx:'))).toEqual(['nginx: write #1', 'nginx: verify'])
    expect(events.filter(event => / stop green/.test(event))).toEqual([])
    expect(run.outcome.hosts).toEqual(
      ['app1', 'app2', 'app3'].map(host => ({
        host,
        address: host,
        before: 'b'.repeat(64),
        after: RELEASE,
        slot: { color: 'green', port: 8081 },
        state: 'updated'
      }))
    )
    expect(run.outcome.timeToSwitchMs).not.toBeNull()
    for (const { remote } of apps) expect(remote.labels()).toEqual(['start new version', 'stop app', 'write state.json', 'record history'])
  })

  it('routes a host that served nothing before, and stops nothing there', async () => {
    const { run, proxy, events } = fakeFleet({ live: ['blue', null, 'green'] })
    await blueGreenAcrossHosts(run)
    expect(proxy.writes).toEqual(['upstream api {\n    server app1:8081;\n    server app2:8080;\n    server app3:8080;\n}\n'])
    expect(events.filter(event => / (drain|stop) /.test(event)).sort()).toEqual([
      'app1: drain blue',
      'app1: stop blue',
      'app3: drain green',
      'app3: stop green'
    ])
  })

  it('with one host unhealthy writes no include and stops the new version on every host', async () => {
    const { run, proxy, events, apps } = fakeFleet()
    apps[1].app.healthyChecks = 0
    const failure = await blueGreenAcrossHosts(run).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(DeployError)
    expect(failure).toMatchObject({
      message: 'The new version on app2 (green :8081) did not become healthy: HTTP 503 on /actuator/health.',
      serverState:
        'app2 failed before any traffic moved: nginx was not changed; the new version was stopped on every host, ' +
        'and the old version serves as before.'
    })
    expect(proxy.writes).toEqual([])
    expect(proxy.restores).toEqual([])
    expect(events.filter(event => event.includes('stop'))).toEqual(['app1: stop green', 'app2: stop green', 'app3: stop green'])
    expect(events.filter(event => / (drain|record)/.test(event) || event.startsWith('nginx:'))).toEqual([])
    expect(run.outcome.hosts.map(host => [host.host, host.state, host.after, host.slot])).toEqual([
      ['app1', 'unchanged', 'b'.repeat(64), { color: 'blue', port: 8080 }],
      ['app2', 'unchanged', 'b'.repeat(64), { color: 'blue', port: 8080 }],
      ['app3', 'unchanged', 'b'.repeat(64), { color: 'blue', port: 8080 }]
    ])
  })

  it('says how many hosts failed when several did', async () => {
    const { run, apps, proxy } = fakeFleet()
    apps[0].app.healthyChecks = 0
    apps[2].app.healthyChecks = 0
    await expect(blueGreenAcrossHosts(run)).rejects.toMatchObject({
      serverState: expect.stringMatching(/^app1 \(and 1 more host\(s\)\) failed before any traffic moved: nginx was not changed/)
    })
    expect(proxy.writes).toEqual([])
  })

  it('puts the include back and stops the new version everywhere when the check through nginx fails after the switch', async () => {
    const { run, proxy, events } = fakeFleet()
    proxy.verify = async () => {
      throw new DeployError('http://shop.example.com/actuator/health → HTTP 502')
    }
    await expect(blueGreenAcrossHosts(run)).rejects.toMatchObject({
      message: 'http://shop.example.com/actuator/health → HTTP 502',
      serverState: expect.stringMatching(/^The switch failed: the include was restored; the new version was stopped on every host/)
    })
    expect(proxy.writes).toEqual([ALL_ON_GREEN])
    expect(proxy.restores).toEqual([run.includeBefore])
    expect(events.filter(event => event.includes('stop'))).toEqual(['app1: stop green', 'app2: stop green', 'app3: stop green'])
  })

  it('leaves the new version running everywhere when nginx cannot be put back, since nginx may still route to it', async () => {
    const { run, proxy, events } = fakeFleet()
    proxy.verify = async () => {
      throw new DeployError('http://shop.example.com/actuator/health → HTTP 502')
    }
    proxy.restore = async () => ({ restored: false, note: "the include was restored, but 'nginx -t' failed (unknown directive)" })
    const saved: string[] = []
    run.progress = progress => saved.push(progress.phase)
    await expect(blueGreenAcrossHosts(run)).rejects.toMatchObject({
      serverState: expect.stringMatching(
        /putting things back failed too: Could not put nginx back: .*nginx -t' failed.* left running beside the old one/
      )
    })
    expect(events.filter(event => event.includes('stop'))).toEqual([])
    // The post step still has the run's progress: nothing said 'done'.
    expect(saved).not.toContain('done')
  })
})
