/** The inputs of two ports per slot, port placeholders and health verdicts. */
import { readSettings } from '../../../src/settings/settings.js'

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----'
const TWO_PORTS = 'set $service_url http://127.0.0.1:{port};\nset $service_monitoring_url http://127.0.0.1:{management-port};'

function settingsFrom(inputs: Record<string, string>) {
  const all: Record<string, string> = { host: 'example.com', username: 'deploy', 'private-key': KEY, jar: 'app.jar', ...inputs }
  return readSettings(name => all[name] ?? '', 'acme/orders-api')
}

const image = { jar: '', image: 'ghcr.io/acme/api:1' }
const management = { 'management-ports': '18081, 18082' }

describe('management ports', () => {
  it('are absent by default', () => {
    const settings = settingsFrom({})
    expect(settings.slots).toEqual({ blue: 8080, green: 8081 })
    expect(settings.slots).not.toHaveProperty('management')
  })

  it('reads one per slot, the include template naming them, the container port and the health port', () => {
    const settings = settingsFrom({
      ...image,
      ...management,
      'nginx-include-template': TWO_PORTS,
      'app-management-port': '9090',
      'health-port': 'Management'
    })
    expect(settings.slots).toEqual({ blue: 8080, green: 8081, management: { blue: 18081, green: 18082 } })
    expect(settings.nginx.template).toBe(TWO_PORTS)
    expect(settings.image.managementPort).toBe(9090)
    expect(settings.health.port).toBe('management')
    expect(settingsFrom({ ...image, ...management }).image.managementPort).toBe(18080)
  })

  it.each([
    [
      { 'management-ports': '18081' },
      /Input 'management-ports' is invalid: got "18081", expected two ports separated by a comma, blue first: 18081,18082/
    ],
    [{ 'management-ports': '18081,18081' }, /Input 'management-ports'.*two different ports/],
    [{ 'management-ports': '18081,70000' }, /Input 'management-ports'.*from 1 to 65535/],
    [{ 'management-ports': '8081,18082' }, /Input 'management-ports'.*other than the slots' app ports in 'ports' \(8080, 8081\)/],
    [
      { 'nginx-include-template': TWO_PORTS },
      /Input 'nginx-include-template'.*\{management-port\} only together with 'management-ports' \(which is empty\)/
    ],
    [{ ...image, 'app-management-port': '18080' }, /Input 'app-management-port'.*to be empty while 'management-ports' is empty/],
    [{ ...image, ...management, 'app-management-port': 'x' }, /Input 'app-management-port'.*from 1 to 65535/],
    [{ 'health-port': 'management' }, /Input 'health-port'.*'app' while 'management-ports' is empty/],
    [{ 'health-port': 'admin' }, /Input 'health-port' is invalid: got "admin", expected one of app, management/],
    [{ ...management, command: 'preview', 'pr-number': '3' }, /Input 'management-ports'.*empty for 'command: preview'/],
    [{ 'preview-nginx-template': 'proxy_pass http://127.0.0.1:{port} {management-port};' }, /Input 'preview-nginx-template'/]
  ])('refuses %p', (inputs, message) => {
    expect(() => settingsFrom(inputs)).toThrow(message)
  })
})

describe('port placeholders', () => {
  it('are kept in app-args, java-options, env values and docker-run-args, to be filled per slot', () => {
    const settings = settingsFrom({
      ...management,
      'app-args': '--port {port} --management-port={management-port}',
      'java-options': '-Dquarkus.http.port={port}',
      env: 'QUARKUS_HTTP_PORT={port}\nJSON={"a":{"b":1}}\nSPRING=${server.port} {{.Name}}'
    })
    expect(settings.jarRuntime.appArgs).toEqual(['--port', '{port}', '--management-port={management-port}'])
    expect(settings.jarRuntime.javaOptions).toEqual(['-Dquarkus.http.port={port}'])
    expect(settings.env).toEqual([
      ['QUARKUS_HTTP_PORT', '{port}'],
      ['JSON', '{"a":{"b":1}}'],
      ['SPRING', '${server.port} {{.Name}}']
    ])
    expect(settingsFrom({ ...image, 'docker-run-args': '--env PUBLIC_PORT={port}' }).image.runArgs).toEqual(['--env', 'PUBLIC_PORT={port}'])
  })

  it.each([
    [
      { 'app-args': '--port {prot}' },
      /Input 'app-args' is invalid: got "\{prot\}", expected only the placeholders \{port\} and \{management-port\} \(found \{prot\}\)/
    ],
    [{ 'java-options': '-Dx={server-port}' }, /Input 'java-options'.*found \{server-port\}/],
    [{ ...image, 'docker-run-args': '--env P={host_port}' }, /Input 'docker-run-args'.*found \{host_port\}/],
    [
      { 'app-args': '--admin={management-port}' },
      /Input 'app-args'.*\{management-port\} only together with 'management-ports' \(which is empty\)/
    ],
    [{ ...image, 'docker-run-args': '--env A={management-port}' }, /Input 'docker-run-args'.*\{management-port\} only together/]
  ])('refuses %p', (inputs, message) => {
    expect(() => settingsFrom(inputs)).toThrow(message)
  })

  it('names the env key, never the value (it may be a secret), when refusing a placeholder there', () => {
    expect(() => settingsFrom({ env: 'DB_PASSWORD=s3cret{pass}' })).toThrow(
      `Input 'env' is invalid: got "DB_PASSWORD=...", expected only the placeholders {port} and {management-port} (found {pass}).`
    )
    expect(() => settingsFrom({ env: 'ADMIN={management-port}' })).toThrow(/Input 'env' is invalid: got "ADMIN=...".*management-ports/)
    expect(() => settingsFrom({ ...management, 'preview-env': 'ADMIN={management-port}' })).toThrow(
      /Input 'preview-env' is invalid: got "ADMIN=..."/
    )
    expect(settingsFrom({ 'preview-env': 'PORT_TOO={port}' }).preview.env).toEqual([['PORT_TOO', '{port}']])
  })
})

describe('health-expect-body', () => {
  it('is empty by default and kept as written', () => {
    expect(settingsFrom({}).health.expectBody).toBe('')
    expect(settingsFrom({ 'health-expect-body': '"state":\\s*"green"' }).health.expectBody).toBe('"state":\\s*"green"')
  })

  it('must be a regular expression', () => {
    expect(() => settingsFrom({ 'health-expect-body': '"status":("UP"' })).toThrow(
      /Input 'health-expect-body' is invalid: got "\\"status\\":\(\\"UP\\"", expected a JavaScript regular expression.*Unterminated group/
    )
  })
})
