import { DEFAULT_TEMPLATE } from '../../../src/settings/settings.js'
import { parseSections, parseProbe } from '../../../src/server/probe.js'

const slots = { blue: 8080, green: 8081 }
const LISTEN = (port: number) => `   0: 0100007F:${port.toString(16).toUpperCase()} 00000000:0000 0A 0 0 0 0 0 1 1 0 100 0 0 10 0`

function probe(sections: Record<string, string>): string {
  const all = {
    uid: '1000',
    'include-status': 'present',
    include: '',
    record: '',
    tcp: '',
    program: '/usr/bin/java',
    user: 'deploy',
    'include-writable': 'yes',
    sudo: 'ok\t/usr/bin/tee\t/usr/bin/tee /etc/nginx/conf.d/service-url.inc\nrefused\t/usr/sbin/nginx\t',
    'nginx-config-status': 'ok',
    'nginx-config': '# configuration file /etc/nginx/nginx.conf:\nhttp {}',
    ...sections
  }
  return Object.entries(all)
    .map(([name, body]) => `== ${name}\n${body}`)
    .join('\n')
}

describe('parseProbe', () => {
  it('splits the probe into its sections', () => {
    expect([...parseSections('== a\n1\n2\n== b\n\n== c').entries()]).toEqual([
      ['a', '1\n2'],
      ['b', ''],
      ['c', '']
    ])
  })

  it('reads the routed slot, listening ports, state, program and sudo', () => {
    const server = parseProbe(
      probe({
        uid: '0',
        include: 'set $service_url http://127.0.0.1:8081;',
        tcp: LISTEN(8081),
        record: '{"active":{"color":"green","port":8081,"release":"r1"}}',
        'dir-path': '/home/deploy/bluegreen/shop'
      }),
      slots,
      DEFAULT_TEMPLATE
    )
    expect(server).toEqual({
      dirPath: '/home/deploy/bluegreen/shop',
      isRoot: true,
      includeText: 'set $service_url http://127.0.0.1:8081;',
      routed: { color: 'green', port: 8081, listening: true },
      listening: { blue: false, green: true },
      managementListening: { blue: false, green: false },
      record: {
        app: '',
        mode: 'jar',
        live: { color: 'green', port: 8081, release: 'r1', ref: undefined, since: undefined },
        previous: null,
        deployedBy: { actor: '', runUrl: '', commit: '' }
      },
      programFound: true,
      nginx: {
        user: 'deploy',
        includeWritable: true,
        sudo: [
          { allowed: true, path: '/usr/bin/tee', said: '/usr/bin/tee /etc/nginx/conf.d/service-url.inc' },
          { allowed: false, path: '/usr/sbin/nginx', said: '' }
        ],
        dumpStatus: 'ok',
        config: '# configuration file /etc/nginx/nginx.conf:\nhttp {}'
      }
    })
  })

  it('has no routed slot when the include is missing, and ignores a broken state file', () => {
    const server = parseProbe(probe({ 'include-status': 'missing', record: '{not json', program: '' }), slots, DEFAULT_TEMPLATE)
    expect(server).toMatchObject({ includeText: null, routed: null, record: null, programFound: false })
  })

  it('has no routed slot when the include is empty (how sudo tee restores "no include")', () => {
    expect(parseProbe(probe({ include: '' }), slots, DEFAULT_TEMPLATE)).toMatchObject({ includeText: '', routed: null })
  })

  it('refuses an include it cannot read, one that does not follow the template, and one that names another port', () => {
    expect(() => parseProbe(probe({ 'include-status': 'unreadable' }), slots, DEFAULT_TEMPLATE)).toThrow(
      /exists but the login user cannot read it/
    )
    expect(() => parseProbe(probe({ include: 'proxy_pass http://app;' }), slots, DEFAULT_TEMPLATE)).toThrow(
      /does not follow 'nginx-include-template'/
    )
    expect(() => parseProbe(probe({ include: 'set $service_url http://127.0.0.1:9000;' }), slots, DEFAULT_TEMPLATE)).toThrow(
      /nginx routes to port 9000, which is neither the blue \(8080\) nor the green \(8081\) slot/
    )
  })

  it('reads the management ports from the include and which of them are held', () => {
    const template = `${DEFAULT_TEMPLATE}\nset $service_monitoring_url http://127.0.0.1:{management-port};`
    const include = 'set $service_url http://127.0.0.1:8081;\nset $service_monitoring_url http://127.0.0.1:18082;\n'
    const withManagement = { ...slots, management: { blue: 18081, green: 18082 } }
    const server = parseProbe(probe({ include, tcp: [LISTEN(8081), LISTEN(18081)].join('\n') }), withManagement, template)
    expect(server.routed).toEqual({ color: 'green', port: 8081, managementPort: 18082, listening: true })
    expect(server.managementListening).toEqual({ blue: true, green: false })
    // An include written before the template named the management port still says which slot is live.
    const older = parseProbe(probe({ include: 'set $service_url http://127.0.0.1:8080;' }), withManagement, template)
    expect(older.routed).toEqual({ color: 'blue', port: 8080, listening: false })
  })
})
