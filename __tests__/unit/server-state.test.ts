import { DEFAULT_TEMPLATE } from '../../src/settings.js'
import { parseSections, readServerState } from '../../src/server-state.js'

const slots = { blue: 8080, green: 8081 }
const LISTEN = (port: number) => `   0: 0100007F:${port.toString(16).toUpperCase()} 00000000:0000 0A 0 0 0 0 0 1 1 0 100 0 0 10 0`

function probe(sections: Record<string, string>): string {
  const all = { uid: '1000', 'include-status': 'present', include: '', state: '', tcp: '', program: '/usr/bin/java', sudo: 'ok', ...sections }
  return Object.entries(all).map(([name, body]) => `== ${name}\n${body}`).join('\n')
}

describe('readServerState', () => {
  it('splits the probe into its sections', () => {
    expect([...parseSections('== a\n1\n2\n== b\n\n== c').entries()]).toEqual([['a', '1\n2'], ['b', ''], ['c', '']])
  })

  it('reads the routed slot, listening ports, state, program and sudo', () => {
    const server = readServerState(probe({
      uid: '0', include: 'set $service_url http://127.0.0.1:8081;', tcp: LISTEN(8081), state: '{"active":{"color":"green"}}'
    }), slots, DEFAULT_TEMPLATE)
    expect(server).toEqual({
      isRoot: true, includeText: 'set $service_url http://127.0.0.1:8081;', routed: { color: 'green', port: 8081, listening: true },
      listening: { blue: false, green: true }, recordedState: { active: { color: 'green' } }, programFound: true, sudo: 'ok'
    })
  })

  it('has no routed slot when the include is missing, and ignores a broken state file', () => {
    const server = readServerState(probe({ 'include-status': 'missing', state: '{not json', program: '' }), slots, DEFAULT_TEMPLATE)
    expect(server).toMatchObject({ includeText: null, routed: null, recordedState: null, programFound: false })
  })

  it('refuses an include it cannot read, one that does not follow the template, and one that names another port', () => {
    expect(() => readServerState(probe({ 'include-status': 'unreadable' }), slots, DEFAULT_TEMPLATE)).toThrow(/exists but the login user cannot read it/)
    expect(() => readServerState(probe({ include: 'proxy_pass http://app;' }), slots, DEFAULT_TEMPLATE)).toThrow(/does not follow 'nginx-include-template'/)
    expect(() => readServerState(probe({ include: 'set $service_url http://127.0.0.1:9000;' }), slots, DEFAULT_TEMPLATE))
      .toThrow(/nginx routes to port 9000, which is neither the blue \(8080\) nor the green \(8081\) slot/)
  })
})
