import { nginxReload, nginxTest, parseIncludePorts, renderInclude } from '../../../src/commands/nginx.js'

const TEMPLATE = 'set $service_url http://127.0.0.1:{port};'
const TWO_PORTS = `${TEMPLATE}\nset $service_monitoring_url http://127.0.0.1:{management-port};`

describe('renderInclude', () => {
  it('puts the port in every {port} and ends with exactly one newline', () => {
    expect(renderInclude(TEMPLATE, { port: 8081 })).toBe('set $service_url http://127.0.0.1:8081;\n')
    expect(renderInclude('a {port}\nb {port}\n\n', { port: 80 })).toBe('a 80\nb 80\n')
  })

  it('puts the management port in {management-port}', () => {
    const text = renderInclude(TWO_PORTS, { port: 8081, managementPort: 18082 })
    expect(text).toBe('set $service_url http://127.0.0.1:8081;\nset $service_monitoring_url http://127.0.0.1:18082;\n')
  })
})

describe('parseIncludePorts', () => {
  it('finds the port whatever the whitespace, or null when the text does not follow the template', () => {
    expect(parseIncludePorts(TEMPLATE, 'set  $service_url   http://127.0.0.1:8080;\n')).toEqual({ port: 8080, managementPort: null })
    expect(parseIncludePorts(TEMPLATE, 'proxy_pass http://backend;')).toBeNull()
    expect(parseIncludePorts('proxy_pass http://127.0.0.1:{port}', 'proxy_pass http://127.0.0.1:9000;')).toEqual({
      port: 9000,
      managementPort: null
    })
  })

  it('reads both ports, in either order', () => {
    const text = renderInclude(TWO_PORTS, { port: 8081, managementPort: 18082 })
    expect(parseIncludePorts(TWO_PORTS, text)).toEqual({ port: 8081, managementPort: 18082 })
    const upstream = 'upstream a { server 127.0.0.1:{management-port}; server 127.0.0.1:{port}; }'
    expect(parseIncludePorts(upstream, 'upstream a { server 127.0.0.1:2; server 127.0.0.1:1; }')).toEqual({ port: 1, managementPort: 2 })
  })

  it('still reads the app port of an include written before the template named the management port', () => {
    expect(parseIncludePorts(TWO_PORTS, 'set $service_url http://127.0.0.1:8080;\n')).toEqual({ port: 8080, managementPort: null })
    expect(parseIncludePorts(TWO_PORTS, 'set $other http://127.0.0.1:8080;\n')).toBeNull()
  })
})

describe('nginxTest', () => {
  it('runs the configured command, with sudo -n when asked', () => {
    expect(nginxTest(['nginx', '-t'], true)).toStrictEqual({
      label: 'nginx config test',
      argv: ['sudo', '-n', 'nginx', '-t'],
      timeoutMs: 30_000
    })
    expect(nginxTest(['nginx', '-t'], false)).toStrictEqual({ label: 'nginx config test', argv: ['nginx', '-t'], timeoutMs: 30_000 })
  })
})

describe('nginxReload', () => {
  it('runs the configured command, with sudo -n when asked', () => {
    expect(nginxReload(['systemctl', 'reload', 'nginx'], false)).toStrictEqual({
      label: 'nginx reload',
      argv: ['systemctl', 'reload', 'nginx'],
      timeoutMs: 30_000
    })
    expect(nginxReload(['nginx', '-s', 'reload'], true)).toStrictEqual({
      label: 'nginx reload',
      argv: ['sudo', '-n', 'nginx', '-s', 'reload'],
      timeoutMs: 30_000
    })
  })
})
