import { readSettings } from '../../../src/settings/settings.js'

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----'
const FP = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8'

function settingsFrom(inputs: Record<string, string>) {
  const all: Record<string, string> = {
    host: 'example.com',
    username: 'deploy',
    'private-key': KEY,
    'host-fingerprint': FP,
    jar: 'app.jar',
    ...inputs
  }
  return readSettings(name => all[name] ?? '', 'acme/orders-api')
}

describe('readSettings', () => {
  it('applies the documented defaults', () => {
    const settings = settingsFrom({})
    expect(settings.appName).toBe('orders-api')
    expect(settings.remoteDir).toBe('bluegreen/orders-api')
    expect(settings.slots).toEqual({ blue: 8080, green: 8081 })
    expect(settings.connection.port).toBe(22)
    expect(settings.health).toEqual({
      path: '/actuator/health',
      port: 'app',
      checksRequired: 1,
      timeoutMs: 60_000,
      intervalMs: 500,
      expectStatus: 200,
      expectBody: ''
    })
    expect(settings.nginx).toEqual({
      include: '/etc/nginx/conf.d/service-url.inc',
      template: 'set $service_url http://127.0.0.1:{port};',
      testCommand: ['nginx', '-t'],
      reloadCommand: ['nginx', '-s', 'reload'],
      sudo: 'auto',
      verify: { kind: 'auto' }
    })
    expect(settings.jarRuntime.javaCommand).toEqual(['java'])
    expect(settings.drainTimeoutMs).toBe(30_000)
  })

  it('parses env, options and durations', () => {
    const settings = settingsFrom({
      env: 'SPRING_PROFILES_ACTIVE=prod\n# comment\n\nDB_URL=jdbc:x?a=b&c=$(d)\n',
      'java-options': '-Xmx256m "-Dgreeting=hello world"',
      'health-timeout': '90s',
      'drain-timeout': '500ms',
      'remote-dir': '~/apps/orders/'
    })
    expect(settings.env).toEqual([
      ['SPRING_PROFILES_ACTIVE', 'prod'],
      ['DB_URL', 'jdbc:x?a=b&c=$(d)']
    ])
    expect(settings.jarRuntime.javaOptions).toEqual(['-Xmx256m', '-Dgreeting=hello world'])
    expect(settings.health.timeoutMs).toBe(90_000)
    expect(settings.drainTimeoutMs).toBe(500)
    expect(settings.remoteDir).toBe('apps/orders')
    expect(settings.secrets).toEqual(expect.arrayContaining([KEY + '\n', 'prod', 'jdbc:x?a=b&c=$(d)']))
  })

  it('does not mask env values that are only a flag or a number, which would blank out ordinary words in every log', () => {
    const settings = settingsFrom({ env: 'GRACEFUL=false\nDEBUG=TRUE\nWORKERS=16\nAPI_KEY=s3cr3t-value' })
    expect(settings.secrets).toContain('s3cr3t-value')
    expect(settings.secrets).not.toEqual(expect.arrayContaining(['false']))
    expect(settings.secrets).not.toEqual(expect.arrayContaining(['TRUE']))
    expect(settings.secrets).not.toEqual(expect.arrayContaining(['16']))
  })

  it.each([
    ['ports', '8080', /Input 'ports' is invalid: got "8080", expected two ports/],
    ['ports', '8080,8080', /two different ports/],
    ['ports', '8080,99999', /Input 'ports'.*from 1 to 65535/],
    ['app-name', 'my app;rm', /Input 'app-name'/],
    ['health-timeout', 'soon', /Input 'health-timeout' is invalid: got "soon", expected a duration/],
    ['host-fingerprint', 'MD5:aa:bb', /Input 'host-fingerprint'/],
    ['remote-dir', '-rf', /Input 'remote-dir'/],
    ['env', 'NOT A KEY=1', /Input 'env'/],
    ['sudo', 'maybe', /Input 'sudo' is invalid: got "maybe", expected one of auto, true, false/],
    ['nginx-include-template', 'set $x 1;', /must|containing \{port\}/],
    ['java-options', '"unclosed', /unbalanced/],
    ['verify-url', 'ftp://example.com/', /Input 'verify-url'/],
    ['verify-url', 'https://example.com', /Input 'verify-url'.*an http:\/\/ or https:\/\/ URL with a path/],
    ['verify-url', 'http://user:pw@example.com/', /Input 'verify-url'/],
    ['verify-url', 'https://exa mple.com/', /Input 'verify-url'/]
  ])('rejects %s=%s naming the input, value and expected form', (input, value, message) => {
    expect(() => settingsFrom({ [input]: value })).toThrow(message)
  })

  it('requires a credential and the jar', () => {
    expect(() => settingsFrom({ 'private-key': '' })).toThrow(/Input 'private-key'/)
    expect(() => settingsFrom({ jar: '' })).toThrow(/Input 'jar'/)
  })

  it('reads image mode', () => {
    const settings = settingsFrom({
      jar: '',
      image: 'ghcr.io/acme/api:1.4.2',
      'docker-command': 'sudo docker',
      'docker-run-args': '--memory 512m --network=app',
      'registry-username': 'bot',
      'registry-password': 'tok3n!'
    })
    expect(settings.artifact).toEqual({ kind: 'image', ref: 'ghcr.io/acme/api:1.4.2' })
    expect(settings.image).toEqual({
      appPort: 8080,
      managementPort: 18080,
      registry: '',
      registryUsername: 'bot',
      registryPassword: 'tok3n!',
      dockerCommand: ['sudo', 'docker'],
      runArgs: ['--memory', '512m', '--network=app'],
      keepImages: 3
    })
    expect(settings.secrets).toContain('tok3n!')
  })

  it.each([
    [{ image: 'acme/api:1' }, /Input 'image'.*either 'jar' or 'image', not both/],
    [{ jar: '', image: 'Acme/API' }, /Input 'image'/],
    [{ jar: '', image: 'api;reboot' }, /Input 'image'/],
    [{ jar: '', image: 'api', 'docker-run-args': '--name other' }, /Input 'docker-run-args'.*which the action sets itself/],
    [{ jar: '', image: 'api', 'docker-run-args': '--memory 512m evil' }, /Input 'docker-run-args' is invalid: got "evil"/],
    [{ jar: '', image: 'api', 'registry-username': 'bot' }, /Input 'registry-password'/]
  ])('rejects image inputs %p', (inputs, message) => {
    expect(() => settingsFrom(inputs)).toThrow(message)
  })

  it("verifies through the discovered server blocks by default, through a URL when given one, and not at all with 'false'", () => {
    expect(settingsFrom({ 'verify-url': 'auto' }).nginx.verify).toEqual({ kind: 'auto' })
    expect(settingsFrom({ 'verify-url': 'false' }).nginx.verify).toEqual({ kind: 'off' })
    for (const url of ['https://shop.example.com/actuator/health', 'http://127.0.0.1:8080/health?full=1', 'https://[::1]:8443/']) {
      expect(settingsFrom({ 'verify-url': url }).nginx.verify).toEqual({ kind: 'url', url })
    }
  })
})
