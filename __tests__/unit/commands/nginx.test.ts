import { nginxReload, nginxTest, parseIncludePorts, renderInclude } from '../../../src/commands/nginx.js'
import { writeFileAtomic } from '../../../src/commands/files.js'

const TEMPLATE = 'set $service_url http://127.0.0.1:{port};'
const TWO_PORTS = `${TEMPLATE}\nset $service_monitoring_url http://127.0.0.1:{management-port};`

describe('nginx commands', () => {
  it('renders and parses the include', () => {
    expect(renderInclude(TEMPLATE, { port: 8081 })).toBe('set $service_url http://127.0.0.1:8081;\n')
    expect(parseIncludePorts(TEMPLATE, 'set  $service_url   http://127.0.0.1:8080;\n')).toEqual({ port: 8080, managementPort: null })
    expect(parseIncludePorts(TEMPLATE, 'proxy_pass http://backend;')).toBeNull()
  })

  it('renders and parses an include with the management port', () => {
    const text = renderInclude(TWO_PORTS, { port: 8081, managementPort: 18082 })
    expect(text).toBe('set $service_url http://127.0.0.1:8081;\nset $service_monitoring_url http://127.0.0.1:18082;\n')
    expect(parseIncludePorts(TWO_PORTS, text)).toEqual({ port: 8081, managementPort: 18082 })
    // Placeholders in either order, on one line.
    expect(
      parseIncludePorts(
        'upstream a { server 127.0.0.1:{management-port}; server 127.0.0.1:{port}; }',
        'upstream a { server 127.0.0.1:2; server 127.0.0.1:1; }'
      )
    ).toEqual({
      port: 1,
      managementPort: 2
    })
  })

  it('still reads the app port of an include written before the template named the management port', () => {
    expect(parseIncludePorts(TWO_PORTS, 'set $service_url http://127.0.0.1:8080;\n')).toEqual({ port: 8080, managementPort: null })
    expect(parseIncludePorts(TWO_PORTS, 'set $other http://127.0.0.1:8080;\n')).toBeNull()
  })

  it('runs the configured commands, with sudo -n when asked', () => {
    expect(nginxTest(['nginx', '-t'], true).argv).toEqual(['sudo', '-n', 'nginx', '-t'])
    expect(nginxReload(['systemctl', 'reload', 'nginx'], false).argv).toEqual(['systemctl', 'reload', 'nginx'])
  })

  it('writes the include atomically, content on stdin', () => {
    const command = writeFileAtomic('/etc/nginx/conf.d/service-url.inc', 'set $x 1;\n', true)
    expect(command.argv.slice(0, 4)).toEqual(['sudo', '-n', 'sh', '-c'])
    expect(command.argv[4]).toContain('mv -f -- "$tmp" "$target"')
    expect(command.argv.slice(5)).toEqual(['sh', '/etc/nginx/conf.d/service-url.inc'])
    expect(command.stdin).toBe('set $x 1;\n')
  })
})
