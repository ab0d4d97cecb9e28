import { needsSudo, nginxProbeArgs, refuseMissingSudo, sudoCommands, sudoersLine, writesWithSudo } from '../../../src/proxy/nginx-access.js'
import type { NginxFacts } from '../../../src/server/probe.js'
import { readSettings } from '../../../src/settings/settings.js'

function nginx(inputs: Record<string, string> = {}) {
  const all: Record<string, string> = { host: 'srv', username: 'deploy', password: 'pw', jar: 'x.jar', 'app-name': 'api', ...inputs }
  return readSettings(name => all[name] ?? '').nginx
}

const facts = (allowed: boolean[]): NginxFacts => ({
  user: 'deploy',
  includeWritable: false,
  sudo: allowed.map((ok, i) => ({
    allowed: ok,
    path: ['/usr/bin/tee', '/usr/sbin/nginx', '/usr/sbin/nginx', '/usr/sbin/nginx'][i],
    said: ok ? '' : 'sudo: a password is required'
  })),
  dumpStatus: 'not run',
  config: ''
})

describe('the commands that run through sudo', () => {
  it('are tee of the include, the test, the reload and nginx -T, exactly as the deploy runs them', () => {
    expect(sudoCommands(nginx())).toEqual([
      { role: 'write', argv: ['tee', '/etc/nginx/conf.d/service-url.inc'] },
      { role: 'check', argv: ['nginx', '-t'] },
      { role: 'dump', argv: ['nginx', '-T'] },
      { role: 'check', argv: ['nginx', '-s', 'reload'] }
    ])
    expect(sudoCommands(nginx({ 'nginx-test-command': '/opt/check-nginx', 'nginx-reload-command': 'systemctl reload nginx' }))).toEqual([
      { role: 'write', argv: ['tee', '/etc/nginx/conf.d/service-url.inc'] },
      { role: 'check', argv: ['/opt/check-nginx'] },
      { role: 'check', argv: ['systemctl', 'reload', 'nginx'] }
    ])
  })

  it('are checked with sudo for a non-root login only (sudo: auto), in every case with sudo: true', () => {
    expect(nginxProbeArgs(nginx())).toMatchObject({ sudoAsRoot: false, sudoOtherwise: true, configPath: '', nginxProgram: 'nginx' })
    expect(nginxProbeArgs(nginx({ sudo: 'true', 'nginx-test-command': '/usr/sbin/nginx -c /srv/n.conf -t' }))).toMatchObject({
      sudoAsRoot: true,
      sudoOtherwise: true,
      configPath: '/srv/n.conf',
      nginxProgram: '/usr/sbin/nginx'
    })
    expect(nginxProbeArgs(nginx({ sudo: 'false' }))).toMatchObject({ sudoAsRoot: false, sudoOtherwise: false })
  })
})

describe('refuseMissingSudo', () => {
  it('passes when every command is allowed, and when only nginx -T is not (the files are read instead)', () => {
    expect(refuseMissingSudo(nginx(), facts([true, true, true, true]))).toBeNull()
    expect(refuseMissingSudo(nginx(), facts([true, true, false, true]))).toBeNull()
  })

  it('names the commands sudo refuses and the sudoers line that allows exactly these', () => {
    const error = refuseMissingSudo(nginx(), facts([false, true, true, false]))
    expect(error?.message).toBe(
      "The nginx steps run through 'sudo -n', and the login user may not run 'tee /etc/nginx/conf.d/service-url.inc', " +
        "'nginx -s reload' that way (sudo said: sudo: a password is required)."
    )
    expect(error?.serverState).toBe('Nothing was changed on the server; the live version keeps serving.')
    expect(error?.hint).toContain(
      'deploy ALL=(root) NOPASSWD: /usr/bin/tee /etc/nginx/conf.d/service-url.inc, ' +
        '/usr/sbin/nginx -t, /usr/sbin/nginx -T, /usr/sbin/nginx -s reload'
    )
  })
})

describe('sudoersLine', () => {
  it('escapes what sudoers treats as special', () => {
    expect(sudoersLine('deploy', [['/usr/bin/tee', '/srv/a,b:c=d\\e.inc']])).toBe(
      'deploy ALL=(root) NOPASSWD: /usr/bin/tee /srv/a\\,b\\:c\\=d\\\\e.inc'
    )
  })
})

describe('a login user that can write the include itself', () => {
  it('needs no rule for tee, and is not told to add one', () => {
    const own = { ...facts([false, true, true, false]), includeWritable: true }
    const error = refuseMissingSudo(nginx(), own)
    expect(error?.message).toMatch(/may not run 'nginx -s reload' that way/)
    expect(error?.hint).toContain('deploy ALL=(root) NOPASSWD: /usr/sbin/nginx -t, /usr/sbin/nginx -T, /usr/sbin/nginx -s reload ')
    expect(refuseMissingSudo(nginx(), { ...facts([false, true, true, true]), includeWritable: true })).toBeNull()
  })

  it('writes it without sudo while the nginx commands still use sudo', () => {
    expect([writesWithSudo(nginx(), false, true), needsSudo(nginx(), false)]).toEqual([false, true])
    expect(writesWithSudo(nginx(), false, false)).toBe(true)
    expect(writesWithSudo(nginx(), true, false)).toBe(false)
  })
})
