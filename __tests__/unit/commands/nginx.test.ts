import { nginxReload, nginxTest, parseIncludePort, renderInclude } from '../../../src/commands/nginx.js'
import { writeFileAtomic } from '../../../src/commands/files.js'

const TEMPLATE = 'set $service_url http://127.0.0.1:{port};'

describe('nginx commands', () => {
  it('renders and parses the include', () => {
    expect(renderInclude(TEMPLATE, 8081)).toBe('set $service_url http://127.0.0.1:8081;\n')
    expect(parseIncludePort(TEMPLATE, 'set  $service_url   http://127.0.0.1:8080;\n')).toBe(8080)
    expect(parseIncludePort(TEMPLATE, 'proxy_pass http://backend;')).toBeNull()
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
