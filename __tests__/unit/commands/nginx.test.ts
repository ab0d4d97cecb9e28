import { nginxReload, nginxTest, parseIncludePort, renderInclude } from '../../../src/commands/nginx.js'

const TEMPLATE = 'set $service_url http://127.0.0.1:{port};'

describe('renderInclude', () => {
  it('puts the port in every {port} and ends with exactly one newline', () => {
    expect(renderInclude(TEMPLATE, 8081)).toBe('set $service_url http://127.0.0.1:8081;\n')
    expect(renderInclude('a {port}\nb {port}\n\n', 80)).toBe('a 80\nb 80\n')
  })
})

describe('parseIncludePort', () => {
  it('finds the port whatever the whitespace, or null when the text does not follow the template', () => {
    expect(parseIncludePort(TEMPLATE, 'set  $service_url   http://127.0.0.1:8080;\n')).toBe(8080)
    expect(parseIncludePort(TEMPLATE, 'proxy_pass http://backend;')).toBeNull()
    expect(parseIncludePort('proxy_pass http://127.0.0.1:{port}', 'proxy_pass http://127.0.0.1:9000;')).toBe(9000)
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
