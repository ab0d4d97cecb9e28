import { batches, liveRoute, targetRoute, to, upstreamInclude } from '../../../src/fleet/routes.js'
import { fakeFleet } from '../../support/fleet-run.js'

describe('upstreamInclude', () => {
  it("lists every host's route in the order of 'host', each by its address", () => {
    const { run } = fakeFleet({ inputs: { 'app-address': '10.0.0.1, 10.0.0.2, fd00::3' }, live: ['blue', 'green', null] })
    expect(upstreamInclude(run.settings, run.hosts, liveRoute)).toBe(
      'upstream api {\n    server 10.0.0.1:8080;\n    server 10.0.0.2:8081;\n}\n'
    )
    expect(upstreamInclude(run.settings, run.hosts, targetRoute)).toBe(
      'upstream api {\n    server 10.0.0.1:8081;\n    server 10.0.0.2:8080;\n    server [fd00::3]:8080;\n}\n'
    )
  })

  it('gives a host several weighted lines, or a down one, and appends the extra text', () => {
    const { run } = fakeFleet({ live: ['blue', 'blue', 'blue'] })
    const [first] = run.hosts
    const text = upstreamInclude(
      run.settings,
      run.hosts,
      host =>
        host === first
          ? to(host.plan.live, { down: true })
          : [...to(host.plan.live, { weight: 75 }), ...to(host.plan.target, { weight: 25 })],
      'access_log /var/log/canary.log fmt;\n'
    )
    expect(text).toBe(
      [
        'upstream api {',
        '    server app1:8080 down;',
        '    server app2:8080 weight=75;',
        '    server app2:8081 weight=25;',
        '    server app3:8080 weight=75;',
        '    server app3:8081 weight=25;',
        '}',
        'access_log /var/log/canary.log fmt;',
        ''
      ].join('\n')
    )
  })

  it('lists one placeholder server that takes no traffic when no host has a route (nginx refuses an empty upstream)', () => {
    const { run } = fakeFleet({ live: [null, null, null] })
    expect(upstreamInclude(run.settings, run.hosts, liveRoute)).toBe('upstream api {\n    server 127.0.0.1:8080 down;\n}\n')
    const ports = fakeFleet({ inputs: { ports: '7001,7002' }, live: [null, null, null] })
    expect(upstreamInclude(ports.run.settings, [], targetRoute)).toBe('upstream api {\n    server 127.0.0.1:7001 down;\n}\n')
  })

  it('refuses to run without an upstream (one server)', () => {
    const { run } = fakeFleet()
    const settings = { ...run.settings, fleet: { ...run.settings.fleet, upstream: null } }
    expect(() => upstreamInclude(settings, run.hosts, liveRoute)).toThrow('upstreamInclude() without an upstream')
  })
})

describe('to', () => {
  it('is no route without a slot', () => {
    expect(to(null, { weight: 5 })).toEqual([])
    expect(to({ color: 'green', port: 8081 }, { weight: 5 })).toEqual([{ port: 8081, weight: 5 }])
  })
})

describe('batches', () => {
  it('cuts the hosts into groups of the size, in order, the last one smaller', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
    expect(batches([1, 2, 3], 1)).toEqual([[1], [2], [3]])
    expect(batches([1, 2, 3], 3)).toEqual([[1, 2, 3]])
    expect(batches([1, 2], 5)).toEqual([[1, 2]])
    expect(batches([], 2)).toEqual([])
  })
})
