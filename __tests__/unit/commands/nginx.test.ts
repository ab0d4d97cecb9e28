import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  configPathOf,
  dumpArgv,
  nginxReload,
  nginxTest,
  parseIncludePorts,
  readConfigFiles,
  removeIfOwn,
  renderInclude,
  writeInclude
} from '../../../src/commands/nginx.js'
import { shellJoin } from '../../../src/commands/shell.js'

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

describe('nginx commands', () => {
  it('writes the include with sudo as exactly `tee <include>`, content on stdin, no shell', () => {
    expect(writeInclude('/etc/nginx/conf.d/service-url.inc', 'set $x 1;\n', true, 'write nginx include')).toEqual({
      label: 'write nginx include',
      argv: ['sudo', '-n', 'tee', '/etc/nginx/conf.d/service-url.inc'],
      stdin: 'set $x 1;\n'
    })
  })

  it('writes the include without sudo atomically, or in place when only the file is the user’s', () => {
    const command = writeInclude('/etc/nginx/conf.d/service-url.inc', 'set $x 1;\n', false, 'restore nginx include')
    expect(command.argv.slice(0, 2)).toEqual(['sh', '-c'])
    expect(command.argv.slice(3)).toEqual(['sh', '/etc/nginx/conf.d/service-url.inc'])
    expect(command.stdin).toBe('set $x 1;\n')
    const dir = mkdtempSync(join(tmpdir(), 'include-'))
    try {
      const file = join(dir, 'service-url.inc')
      const run = (content: string) =>
        execFileSync('sh', ['-c', shellJoin(writeInclude(file, content, false, 'w').argv)], { input: content })
      run('one\n')
      expect(readFileSync(file, 'utf8')).toBe('one\n')
      run('two\n')
      expect(readFileSync(file, 'utf8')).toBe('two\n')
      expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' })).toBe('service-url.inc\n')
      if (process.getuid?.() === 0) {
        // A user who owns the include but not its directory (root's): rewritten in place.
        chmodSync(dir, 0o755)
        chownSync(file, Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })), 0)
        const argv = writeInclude(file, 'three\n', false, 'w').argv
        execFileSync('runuser', ['-u', 'nobody', '--', 'sh', '-c', shellJoin(argv)], { input: 'three\n' })
        expect(readFileSync(file, 'utf8')).toBe('three\n')
        expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' })).toBe('service-url.inc\n')
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('removes a preview file itself only where the login user may write the directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'remove-'))
    try {
      const file = join(dir, 'shop-pr-1.conf')
      writeFileSync(file, 'server {}')
      const command = removeIfOwn(file)
      expect(command.argv.slice(3)).toEqual(['sh', file])
      if (process.getuid?.() === 0) {
        chmodSync(dir, 0o755)
        const asNobody = execFileSync('runuser', ['-u', 'nobody', '--', 'sh', '-c', shellJoin(command.argv)], { encoding: 'utf8' })
        expect(asNobody).toBe(`${execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim()}\n`)
        expect(readFileSync(file, 'utf8')).toBe('server {}')
      }
      expect(execFileSync('sh', ['-c', shellJoin(command.argv)], { encoding: 'utf8' })).toBe(`${process.getuid?.()}\nremoved\n`)
      expect(() => readFileSync(file)).toThrow()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('dumps the configuration with the test command’s own nginx and -c, when it is nginx with -t', () => {
    expect(dumpArgv(['nginx', '-t'])).toEqual(['nginx', '-T'])
    expect(dumpArgv(['/usr/sbin/nginx', '-c', '/srv/nginx.conf', '-t', '-q'])).toEqual([
      '/usr/sbin/nginx',
      '-c',
      '/srv/nginx.conf',
      '-T',
      '-q'
    ])
    expect(dumpArgv(['docker', 'exec', 'web', 'nginx', '-t'])).toBeNull()
    expect(dumpArgv(['nginx', '-tq'])).toBeNull()
    expect(configPathOf(['nginx', '-c', '/srv/nginx.conf', '-t'])).toBe('/srv/nginx.conf')
    expect(configPathOf(['nginx', '-t'])).toBe('')
  })

  it('reads the files include patterns name, expanding globs like nginx and marking what each matched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nginx-files-'))
    try {
      mkdirSync(join(dir, 'sites enabled'))
      writeFileSync(join(dir, 'sites enabled', 'a.conf'), 'server { listen 80; }')
      writeFileSync(join(dir, 'sites enabled', 'b.conf'), 'server { listen 81; }\n')
      writeFileSync(join(dir, 'sites enabled', '.hidden.conf'), 'hidden')
      writeFileSync(join(dir, 'secret.conf'), 'x')
      chmodSync(join(dir, 'secret.conf'), 0o000)
      const command = readConfigFiles([`${dir}/sites enabled/*.conf`, `${dir}/missing.conf`, `${dir}/secret.conf`, '$(id)'])
      expect(command.argv.slice(0, 2)).toEqual(['sh', '-c'])
      expect(command.argv.slice(3)).toEqual(['sh', `${dir}/sites enabled/*.conf`, `${dir}/missing.conf`, `${dir}/secret.conf`, '$(id)'])
      // As a user that cannot read secret.conf (the tests may run as root).
      const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'nobody', '--'] : []
      chmodSync(dir, 0o755)
      const output = execFileSync(
        asUser[0] ?? 'sh',
        [...asUser.slice(1), ...(asUser.length ? ['sh'] : []), '-c', shellJoin(command.argv)],
        {
          encoding: 'utf8'
        }
      )
      expect(output).toBe(
        [
          `# bluegreen-include: ${dir}/sites enabled/*.conf`,
          `# configuration file ${dir}/sites enabled/a.conf:`,
          'server { listen 80; }',
          `# configuration file ${dir}/sites enabled/b.conf:`,
          'server { listen 81; }',
          '',
          `# bluegreen-include: ${dir}/missing.conf`,
          `# bluegreen-include: ${dir}/secret.conf`,
          `# bluegreen-unreadable: ${dir}/secret.conf`,
          '# bluegreen-include: $(id)',
          ''
        ].join('\n')
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
