import { readSettings } from '../../../src/settings/settings.js'

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----'
const NGINX_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nnginx\n-----END OPENSSH PRIVATE KEY-----'
const FP = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8'
const NGINX_FP = `SHA256:${'B'.repeat(43)}`

function settingsFrom(inputs: Record<string, string>, repository = 'acme/orders-api') {
  const all: Record<string, string> = {
    host: 'example.com',
    username: 'deploy',
    'private-key': KEY,
    'host-fingerprint': FP,
    jar: 'app.jar',
    ...inputs
  }
  return readSettings(name => all[name] ?? '', repository)
}

const fleetOf = (inputs: Record<string, string>) => settingsFrom(inputs).fleet

describe('fleet settings on one server', () => {
  it('has one app host that nginx reaches at 127.0.0.1, no upstream, and the documented defaults', () => {
    expect(fleetOf({})).toEqual({
      appHosts: [{ label: 'example.com', host: 'example.com', port: 22, address: '127.0.0.1' }],
      nginxHost: null,
      upstream: null,
      strategy: 'blue-green',
      rollingBatch: 1,
      canary: { steps: [10, 50, 100], intervalMs: 60_000, maxErrorRate: 0.01, maxLatencyRatio: 1.5, latencyAllowanceMs: 20 }
    })
  })

  it('connects to the first host of the list, on its own port or the port input', () => {
    expect(settingsFrom({ host: 'app1:2222, app2' }).connection).toMatchObject({ host: 'app1', port: 2222 })
    expect(settingsFrom({ host: '[2001:db8::7], app2', port: '2200' }).connection).toMatchObject({ host: '2001:db8::7', port: 2200 })
  })
})

describe('app hosts', () => {
  it('reads a list with ports and IPv6; nginx on the first host reaches it at 127.0.0.1 and the others by name', () => {
    expect(fleetOf({ host: 'app1, app2:2222\n[2001:db8::7]:2200\n2001:db8::8' }).appHosts).toEqual([
      { label: 'app1', host: 'app1', port: 22, address: '127.0.0.1' },
      { label: 'app2:2222', host: 'app2', port: 2222, address: 'app2' },
      { label: '[2001:db8::7]:2200', host: '2001:db8::7', port: 2200, address: '2001:db8::7' },
      { label: '2001:db8::8', host: '2001:db8::8', port: 22, address: '2001:db8::8' }
    ])
  })

  it("gives every host without its own port the 'port' input, not the first host's port", () => {
    expect(fleetOf({ host: 'app1:2222, app2' }).appHosts.map(h => h.port)).toEqual([2222, 22])
    expect(fleetOf({ host: 'app1:2222, app2', port: '2200' }).appHosts.map(h => h.port)).toEqual([2222, 2200])
  })

  it('refuses a host listed twice', () => {
    expect(() => fleetOf({ host: 'app1, app2, app1:22' })).toThrow(
      `Input 'host' is invalid: got "app1, app2, app1:22", expected each host once (app1:22 is listed twice).`
    )
  })

  it('takes one address per host from app-address, in order', () => {
    const hosts = fleetOf({ host: 'app1, app2', 'app-address': '10.0.0.1\n10.0.0.2' }).appHosts
    expect(hosts.map(h => h.address)).toEqual(['10.0.0.1', '10.0.0.2'])
  })

  it.each([
    [{ host: 'app1, app2', 'app-address': '10.0.0.1' }, `got "10.0.0.1", expected one address per host in 'host' (2), in the same order`],
    [
      { host: 'app1, app2', 'app-address': '10.0.0.1, 10.0.0.2, 10.0.0.3' },
      `got "10.0.0.1, 10.0.0.2, 10.0.0.3", expected one address per host in 'host' (2)`
    ],
    [{ host: 'app1, app2', 'app-address': '10.0.0.1, app 2' }, `got "app 2", expected a host name or IP address nginx can reach`],
    [{ host: 'app1, app2', 'app-address': '10.0.0.1, [fd00::2]' }, `got "[fd00::2]", expected a host name or IP address`],
    [{ host: 'app1, app2', 'app-address': '10.0.0.1, -x' }, `got "-x", expected a host name or IP address`],
    [
      { host: 'app1, app2', 'app-address': '10.0.0.1, 10.0.0.1' },
      `got "10.0.0.1, 10.0.0.1", expected a different address for every host (10.0.0.1 is used twice)`
    ],
    [
      { host: 'bastion:2201, bastion:2202', 'nginx-host': 'lb' },
      `got "bastion", expected a different address for every host (bastion is used twice)`
    ]
  ])('refuses app-address %p', (inputs, message) => {
    expect(() => fleetOf(inputs)).toThrow(`Input 'app-address' is invalid: ${message}`)
  })
})

describe('nginx-host', () => {
  it('is a connection of its own that takes the app hosts’ credentials by default, and nginx reaches every app host by name', () => {
    const settings = settingsFrom({ host: 'app1, app2', 'nginx-host': 'lb.internal' })
    expect(settings.fleet.nginxHost).toEqual({ ...settings.connection, host: 'lb.internal', port: 22 })
    expect(settings.fleet.appHosts.map(h => h.address)).toEqual(['app1', 'app2'])
  })

  it('has its own port, user, key and fingerprints when given; the key is masked', () => {
    const settings = settingsFrom({
      host: 'app1:2222',
      'nginx-host': 'lb.internal',
      'nginx-username': 'nginxadm',
      'nginx-private-key': `  ${NGINX_KEY}\n`,
      'nginx-host-fingerprint': NGINX_FP
    })
    expect(settings.fleet.nginxHost).toMatchObject({
      host: 'lb.internal',
      port: 22,
      username: 'nginxadm',
      privateKey: `${NGINX_KEY}\n`,
      hostFingerprints: [NGINX_FP]
    })
    expect(settings.secrets).toContain(NGINX_KEY)
    expect(fleetOf({ 'nginx-host': '[fd00::9]:2022' }).nginxHost).toMatchObject({ host: 'fd00::9', port: 2022 })
  })

  it('is the app host itself (null, one connection) when it names the first app host', () => {
    for (const nginxHost of ['app1', 'app1:22']) {
      const fleet = fleetOf({ host: 'app1, app2', 'nginx-host': nginxHost })
      expect(fleet.nginxHost).toBeNull()
      expect(fleet.appHosts.map(h => h.address)).toEqual(['127.0.0.1', 'app2'])
    }
    expect(fleetOf({ 'nginx-host': 'example.com' })).toMatchObject({ nginxHost: null, upstream: null })
  })

  it('on another app host: nginx reaches that host at 127.0.0.1 and the first one by name', () => {
    const fleet = fleetOf({ host: 'app1, app2', 'nginx-host': 'app2' })
    expect(fleet.nginxHost).toMatchObject({ host: 'app2', port: 22 })
    expect(fleet.appHosts.map(h => h.address)).toEqual(['app1', '127.0.0.1'])
  })

  it('on the same host name but another SSH port is another host', () => {
    expect(fleetOf({ host: 'app1', 'nginx-host': 'app1:2222' }).nginxHost).toMatchObject({ host: 'app1', port: 2222 })
  })

  it.each([
    ['nginx-username', 'nginxadm', `got "nginxadm", expected to be empty while 'nginx-host' is empty (nginx runs on the app host)`],
    ['nginx-host-fingerprint', NGINX_FP, `got "${NGINX_FP}", expected to be empty while 'nginx-host' is empty`],
    ['nginx-private-key', NGINX_KEY, `got "(hidden)", expected to be empty while 'nginx-host' is empty`]
  ])('refuses %s while nginx-host is empty', (name, value, message) => {
    expect(() => fleetOf({ [name]: value })).toThrow(`Input '${name}' is invalid: ${message}`)
  })

  it('refuses a malformed host or key, never showing the key', () => {
    expect(() => fleetOf({ 'nginx-host': 'lb internal' })).toThrow(
      `Input 'nginx-host' is invalid: got "lb internal", expected host names or IP addresses`
    )
    expect(() => fleetOf({ 'nginx-host': 'lb', 'nginx-private-key': 'hunter2' })).toThrow(
      `Input 'nginx-private-key' is invalid: got "(hidden)", expected a private key in PEM/OpenSSH form`
    )
  })
})

describe('the upstream', () => {
  it.each([
    ['several hosts', { host: 'app1, app2' }],
    ['nginx-host', { 'nginx-host': 'lb' }],
    ['strategy rolling', { strategy: 'rolling' }],
    ['strategy canary', { strategy: 'canary' }]
  ])('is used with %s, named after the app by default', (_, inputs) => {
    expect(fleetOf(inputs).upstream).toEqual({ name: 'orders_api', serverTemplate: 'server {address}:{port};' })
  })

  it('is named after the app with every character other than letters, digits and _ as _', () => {
    const name = (appName: string) => settingsFrom({ host: 'a, b', 'app-name': appName }).fleet.upstream?.name
    expect(name('shop.v2-api')).toBe('shop_v2_api')
    expect(name('3d-viewer')).toBe('3d_viewer')
    expect(name('api')).toBe('api')
  })

  it('takes nginx-upstream and nginx-upstream-template as given', () => {
    const upstream = fleetOf({
      host: 'a, b',
      'nginx-upstream': 'Backend_2',
      'nginx-upstream-template': 'server {address}:{port} max_fails=3 fail_timeout=10s;'
    }).upstream
    expect(upstream).toEqual({ name: 'Backend_2', serverTemplate: 'server {address}:{port} max_fails=3 fail_timeout=10s;' })
  })

  it.each(['orders-api', 'orders.api', 'a b', 'api;', '{api}'])('refuses the upstream name %p', name => {
    expect(() => fleetOf({ host: 'a, b', 'nginx-upstream': name })).toThrow(
      `Input 'nginx-upstream' is invalid: got ${JSON.stringify(name)}, expected an nginx upstream name: letters, digits and _.`
    )
  })

  it.each([
    ['server {address}:{port} weight=5;', 'no weight, down or backup parameter (the strategy sets those)'],
    ['server {address}:{port} down;', 'no weight, down or backup parameter'],
    ['server {address}:{port} max_fails=1 backup;', 'no weight, down or backup parameter'],
    ['server {address};', 'one nginx server line with {address} and {port}, such as server {address}:{port};'],
    ['server {address}:{port}', 'one nginx server line with {address} and {port}'],
    ['{address}:{port};', 'one nginx server line with {address} and {port}'],
    ['server {address}:{port};\nserver 10.0.0.9:80;', 'one nginx server line with {address} and {port}'],
    ['server {address}:{port}; }', 'one nginx server line with {address} and {port}'],
    ['server {address}.internal:{port};', 'one nginx server line with {address} and {port}'],
    ['server unix:/run/{address}-{port}.sock;', 'one nginx server line with {address} and {port}'],
    ['server {address}:{port}; server 10.0.0.9:80;', 'one nginx server line with {address} and {port}'],
    ['server {address}:{port} max_fails=3 # note;', 'one nginx server line with {address} and {port}']
  ])('refuses the template %p', (template, expected) => {
    expect(() => fleetOf({ host: 'a, b', 'nginx-upstream-template': template })).toThrow(
      `Input 'nginx-upstream-template' is invalid: got ${JSON.stringify(template)}, expected ${expected}`
    )
  })

  it.each(['server {address}:{port} ;', 'server\t{address}:{port} slow_start=30s;', 'server {address}:{port} route=a resolve;'])(
    'takes the template %p',
    template => {
      expect(fleetOf({ host: 'a, b', 'nginx-upstream-template': template }).upstream?.serverTemplate).toBe(template)
    }
  )

  it('is not read on one server (so its inputs cannot fail there)', () => {
    expect(fleetOf({ 'nginx-upstream': 'not-valid' }).upstream).toBeNull()
  })
})
