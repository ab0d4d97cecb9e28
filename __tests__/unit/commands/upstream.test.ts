import { parseUpstream, renderUpstream, serverLine, servingPort, type UpstreamServer } from '../../../src/commands/upstream.js'

const API = { name: 'api', serverTemplate: 'server {address}:{port};' }

describe('renderUpstream', () => {
  it('writes one server line per server, with weight (none for 1) and down, and IPv6 in brackets', () => {
    const servers: UpstreamServer[] = [
      { address: '127.0.0.1', port: 8080 },
      { address: '10.0.0.2', port: 8081, weight: 1 },
      { address: '10.0.0.2', port: 8080, weight: 90 },
      { address: 'app3.internal', port: 8081, down: true },
      { address: 'fd00::4', port: 8080, weight: 10, down: true }
    ]
    expect(renderUpstream(API, servers)).toBe(
      [
        'upstream api {',
        '    server 127.0.0.1:8080;',
        '    server 10.0.0.2:8081;',
        '    server 10.0.0.2:8080 weight=90;',
        '    server app3.internal:8081 down;',
        '    server [fd00::4]:8080 weight=10 down;',
        '}',
        ''
      ].join('\n')
    )
  })

  it("keeps the template's own parameters, adding the strategy's after them", () => {
    const upstream = { name: 'shop_2', serverTemplate: 'server {address}:{port} max_fails=3 fail_timeout=10s;' }
    expect(renderUpstream(upstream, [{ address: '::1', port: 8081, weight: 25 }])).toBe(
      'upstream shop_2 {\n    server [::1]:8081 max_fails=3 fail_timeout=10s weight=25;\n}\n'
    )
    expect(serverLine('server {address}:{port} ;', { address: 'a', port: 1, down: true })).toBe('server a:1 down;')
  })

  it('appends the extra http-level text after the block', () => {
    expect(renderUpstream(API, [{ address: 'a', port: 1 }], 'access_log /x/canary.log fmt;\n')).toBe(
      'upstream api {\n    server a:1;\n}\naccess_log /x/canary.log fmt;\n'
    )
  })
})

describe('parseUpstream', () => {
  it('reads back what renderUpstream wrote', () => {
    const servers: UpstreamServer[] = [
      { address: '127.0.0.1', port: 8080 },
      { address: '10.0.0.2', port: 8080, weight: 90 },
      { address: 'app3.internal', port: 8081, down: true },
      { address: 'fd00::4', port: 8080, weight: 10, down: true }
    ]
    const upstream = { name: 'api', serverTemplate: 'server {address}:{port} max_fails=3;' }
    expect(parseUpstream(renderUpstream(upstream, servers, 'access_log /x/c.log f if=$f;\n'), 'api')).toEqual(servers)
  })

  it('reads a hand-written block among other directives: one line, no space before {, other upstreams left out', () => {
    const text = [
      'upstream api_old { server 10.9.9.9:80; }',
      'upstream apix { server 10.9.9.8:80; }',
      'map $x $y { default 0; }',
      'upstream api{server 10.0.0.1:8080 weight=2;server 10.0.0.2:8080 max_fails=1;}'
    ].join('\n')
    expect(parseUpstream(text, 'api')).toEqual([
      { address: '10.0.0.1', port: 8080, weight: 2 },
      { address: '10.0.0.2', port: 8080 }
    ])
  })

  it('skips comments, also ones holding ; } or an upstream of the same name', () => {
    const text = [
      '# upstream api { server 10.9.9.9:80; }',
      'upstream api {',
      '    # was: server 10.9.9.7:8080; (moved)',
      '    server 10.0.0.1:8080; # the first host {blue}',
      '    server 10.0.0.2:8081 down;',
      '}'
    ].join('\n')
    expect(parseUpstream(text, 'api')).toEqual([
      { address: '10.0.0.1', port: 8080 },
      { address: '10.0.0.2', port: 8081, down: true }
    ])
  })

  it('skips what is not a host:port server (a unix socket, a directive other than server)', () => {
    const text = 'upstream api {\n  zone api 64k;\n  server unix:/run/api.sock;\n  keepalive 16;\n  server 10.0.0.1:8080;\n}\n'
    expect(parseUpstream(text, 'api')).toEqual([{ address: '10.0.0.1', port: 8080 }])
  })

  it('is null without a block of that name, and [] for an empty block', () => {
    expect(parseUpstream('set $service_url http://127.0.0.1:8080;\n', 'api')).toBeNull()
    expect(parseUpstream('upstream other { server 10.0.0.1:8080; }', 'api')).toBeNull()
    expect(parseUpstream('', 'api')).toBeNull()
    expect(parseUpstream('upstream api {\n}\n', 'api')).toEqual([])
  })
})

describe('servingPort', () => {
  const servers: UpstreamServer[] = [
    { address: '10.0.0.1', port: 8080, weight: 10 },
    { address: '10.0.0.1', port: 8081, weight: 90 },
    { address: '10.0.0.2', port: 8080 },
    { address: '10.0.0.2', port: 8081, down: true },
    { address: '10.0.0.3', port: 8081, down: true },
    { address: 'fd00::4', port: 8081 }
  ]

  it('is the heaviest port that takes traffic on that address', () => {
    expect(servingPort(servers, '10.0.0.1')).toBe(8081)
    expect(servingPort(servers, '10.0.0.2')).toBe(8080)
    expect(servingPort(servers, 'fd00::4')).toBe(8081)
  })

  it('is the first listed of equal weights (weight 1 when absent)', () => {
    expect(
      servingPort(
        [
          { address: 'a', port: 8081, weight: 50 },
          { address: 'a', port: 8080, weight: 50 }
        ],
        'a'
      )
    ).toBe(8081)
    expect(
      servingPort(
        [
          { address: 'a', port: 8080 },
          { address: 'a', port: 8081, weight: 1 }
        ],
        'a'
      )
    ).toBe(8080)
  })

  it('is null when every server of the address is down, or it has none', () => {
    expect(servingPort(servers, '10.0.0.3')).toBeNull()
    expect(servingPort(servers, '10.0.0.9')).toBeNull()
    expect(servingPort([], '10.0.0.1')).toBeNull()
  })
})
