import { describeTarget, hostName, targetOfUrl, targetsFor } from '../../../src/proxy/nginx-verify.js'
import { parseListen, type ServerBlock } from '../../../src/proxy/nginx-servers.js'

const block = (names: string[], ...listens: string[][]): ServerBlock => ({
  names,
  listens: listens.map(args => parseListen(args)),
  where: '/etc/nginx/sites-enabled/shop:8'
})

describe('targetsFor', () => {
  it('goes through a TLS listener on loopback with the server_name as Host', () => {
    const { targets } = targetsFor(
      [block(['shop.example.com', 'www.shop.example.com'], ['80'], ['[::]:443', 'ssl'], ['443', 'ssl', 'http2'])],
      '/actuator/health'
    )
    expect(targets).toEqual([
      {
        scheme: 'https',
        connectHost: '::1',
        port: 443,
        host: 'shop.example.com',
        path: '/actuator/health',
        via: 'server block /etc/nginx/sites-enabled/shop:8'
      }
    ])
    expect(describeTarget(targets[0])).toBe('https://shop.example.com/actuator/health (at [::1]:443)')
  })

  it('asks a specific address as written, and the address itself when no server_name names a host', () => {
    const { targets } = targetsFor([block(['_'], ['127.0.0.1:8088']), block([], ['*:8089']), block(['""'], ['[::1]:8090'])], '/health')
    expect(targets.map(t => [t.scheme, t.connectHost, t.port, t.host])).toEqual([
      ['http', '127.0.0.1', 8088, '127.0.0.1'],
      ['http', '127.0.0.1', 8089, '127.0.0.1'],
      ['http', '::1', 8090, '[::1]']
    ])
    expect(describeTarget(targets[0])).toBe('http://127.0.0.1:8088/health')
    expect(describeTarget(targets[2])).toBe('http://[::1]:8090/health')
  })

  it('skips listeners a client cannot use, and says so when a block has no other', () => {
    const result = targetsFor([block(['a.test'], ['443', 'quic'], ['443', 'ssl']), block(['b.test'], ['unix:/run/b.sock'])], '/')
    expect(result.targets.map(t => [t.scheme, t.port, t.host])).toEqual([['https', 443, 'a.test']])
    expect(result.unusable).toEqual(['/etc/nginx/sites-enabled/shop:8 (a unix socket)'])
  })

  it('asks each address and Host once', () => {
    expect(targetsFor([block(['a.test'], ['80']), block(['a.test'], ['80'])], '/').targets).toHaveLength(1)
  })
})

describe('hostName', () => {
  it.each([
    [['shop.example.com'], 'shop.example.com'],
    [['_', 'localhost'], 'localhost'],
    [['*.example.com', '.example.org'], 'example.org'],
    [['~^(?<sub>.+)\\.example\\.com$', 'www.example.*'], undefined],
    [['', '_'], undefined]
  ])('%j → %s', (names, expected) => {
    expect(hostName(names)).toBe(expected)
  })
})

describe('targetOfUrl', () => {
  it('asks a host name on loopback with that name as Host (and TLS server name)', () => {
    expect(targetOfUrl('https://shop.example.com/actuator/health?x=1')).toEqual({
      scheme: 'https',
      connectHost: '127.0.0.1',
      port: 443,
      host: 'shop.example.com',
      path: '/actuator/health?x=1',
      via: 'verify-url'
    })
    expect(targetOfUrl('http://shop.example.com:8080/h')).toMatchObject({
      connectHost: '127.0.0.1',
      port: 8080,
      host: 'shop.example.com:8080'
    })
  })

  it('asks an address as written', () => {
    expect(targetOfUrl('http://127.0.0.1:80/actuator/health')).toMatchObject({ connectHost: '127.0.0.1', port: 80, host: '127.0.0.1' })
    expect(targetOfUrl('https://10.0.0.5/h')).toMatchObject({ connectHost: '10.0.0.5', port: 443 })
    expect(targetOfUrl('https://[::1]:8443/h')).toMatchObject({ connectHost: '::1', port: 8443, host: '[::1]:8443' })
    expect(describeTarget(targetOfUrl('https://[::1]:8443/h'))).toBe('https://[::1]:8443/h')
  })
})
