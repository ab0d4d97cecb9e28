/**
 * The probe's nginx part, run by a real shell against a stand-in sudo and nginx: each command reaches
 * `sudo -n -l` word for word, and `nginx -T` runs only when sudo allows it.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { probeServer, type NginxProbeArgs } from '../../../src/commands/probe.js'
import { shellJoin } from '../../../src/commands/shell.js'
import { parseProbe } from '../../../src/server/probe.js'
import { DEFAULT_TEMPLATE } from '../../../src/settings/settings.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'probe-'))
  // sudo: records its argv (NUL-separated, one file per call); `-l` refuses commands whose first word is `forbidden`.
  writeFileSync(
    join(dir, 'sudo'),
    `#!/bin/sh
n=$(ls "${dir}/calls" 2>/dev/null | wc -l); mkdir -p "${dir}/calls"; printf '%s\\0' "$@" > "${dir}/calls/$n"
[ "$1" = -n ] || exit 2; shift
if [ "$1" = -l ]; then shift; [ "$1" = forbidden ] && exit 1; echo "/usr/bin/$*"; exit 0; fi
exec "$@"`
  )
  writeFileSync(
    join(dir, 'nginx'),
    `#!/bin/sh\necho "nginx: test is successful" >&2\nprintf '# configuration file /etc/nginx/nginx.conf:\\nhttp {}\\n\\n'`
  )
  for (const tool of ['sudo', 'nginx']) chmodSync(join(dir, tool), 0o755)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function runProbe(nginx: NginxProbeArgs): string {
  const command = probeServer(join(dir, 'service-url.inc'), dir, 'sh', [8080, 8081], nginx)
  return execFileSync('sh', ['-c', shellJoin(command.argv)], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }
  })
}

function sudoCalls(): string[][] {
  const calls = join(dir, 'calls')
  return readdirSync(calls)
    .sort((a, b) => Number(a) - Number(b))
    .map(name => readFileSync(join(calls, name), 'utf8').split('\0').slice(0, -1))
}

const HOSTILE = ['$(touch pwned)', "it's", 'a b', '"; id', '--', '*', 'line\nbreak']

describe('probeServer', () => {
  it('is one constant script with every value as a positional argument', () => {
    const command = probeServer('/etc/nginx/conf.d/service-url.inc', 'bluegreen/api', 'java', [8080, 8081], {
      sudoAsRoot: false,
      sudoOtherwise: true,
      commands: [
        { role: 'write', argv: ['tee', '/etc/nginx/conf.d/service-url.inc'] },
        { role: 'dump', argv: ['nginx', '-T'] }
      ],
      configPath: '',
      nginxProgram: 'nginx'
    })
    expect(command.argv.slice(0, 2)).toEqual(['sh', '-c'])
    expect(command.argv.slice(3)).toEqual([
      'sh',
      '/etc/nginx/conf.d/service-url.inc',
      'bluegreen/api',
      'java',
      '0',
      '1',
      '',
      'nginx',
      'write',
      '2',
      'tee',
      '/etc/nginx/conf.d/service-url.inc',
      'dump',
      '2',
      'nginx',
      '-T',
      '--',
      '8080',
      '8081'
    ])
  })

  it('asks `sudo -n -l` for each command word for word, then runs `nginx -T` through sudo', () => {
    const output = runProbe({
      sudoAsRoot: true,
      sudoOtherwise: true,
      commands: [
        { role: 'write', argv: ['tee', ...HOSTILE] },
        { role: 'check', argv: ['forbidden', '-s', 'reload'] },
        { role: 'dump', argv: ['nginx', '-T'] }
      ],
      configPath: '',
      nginxProgram: 'nginx'
    })
    expect(sudoCalls()).toEqual([
      ['-n', '-l', 'tee', ...HOSTILE],
      ['-n', '-l', 'forbidden', '-s', 'reload'],
      ['-n', '-l', 'nginx', '-T'],
      ['-n', 'nginx', '-T']
    ])
    expect(readdirSync(dir)).not.toContain('pwned')
    const probe = parseProbe(output, { blue: 8080, green: 8081 }, DEFAULT_TEMPLATE)
    expect(probe.nginx.sudo.map(check => check.allowed)).toEqual([true, false, true])
    expect(probe.nginx.sudo[2]).toEqual({ allowed: true, path: join(dir, 'nginx'), said: '/usr/bin/nginx -T' })
    expect(probe.nginx).toMatchObject({ dumpStatus: 'ok', includeWritable: true })
    expect(probe.nginx.config).toContain('# configuration file /etc/nginx/nginx.conf:\nhttp {}')
  })

  it('does not run `nginx -T` that sudo refuses, and shows the main configuration file instead', () => {
    writeFileSync(join(dir, 'nginx.conf'), 'http { include sites/*; }\n')
    const output = runProbe({
      sudoAsRoot: true,
      sudoOtherwise: true,
      commands: [{ role: 'dump', argv: ['forbidden', '-T'] }],
      configPath: join(dir, 'nginx.conf'),
      nginxProgram: 'nginx'
    })
    expect(sudoCalls()).toEqual([['-n', '-l', 'forbidden', '-T']])
    const probe = parseProbe(output, { blue: 8080, green: 8081 }, DEFAULT_TEMPLATE)
    expect(probe.nginx.dumpStatus).toBe('not run')
    expect(probe.nginx.config).toBe(`# configuration file ${join(dir, 'nginx.conf')}:\nhttp { include sites/*; }\n`)
  })

  it('runs nothing through sudo when the nginx steps do not use it, and says why nginx -T failed', () => {
    writeFileSync(
      join(dir, 'nginx'),
      '#!/bin/sh\necho "nginx: [emerg] open() \\"/etc/nginx/x.key\\" failed (13: Permission denied)" >&2\nexit 1'
    )
    const output = runProbe({
      sudoAsRoot: false,
      sudoOtherwise: false,
      commands: [
        { role: 'write', argv: ['tee', 'x'] },
        { role: 'dump', argv: ['nginx', '-T'] }
      ],
      configPath: join(dir, 'no-such.conf'),
      nginxProgram: 'nginx'
    })
    expect(readdirSync(dir)).not.toContain('calls')
    const probe = parseProbe(output, { blue: 8080, green: 8081 }, DEFAULT_TEMPLATE)
    expect(probe.nginx.sudo).toEqual([])
    expect(probe.nginx.dumpStatus).toBe('failed: nginx: [emerg] open() "/etc/nginx/x.key" failed (13: Permission denied)')
    expect(probe.nginx.config).toBe(`# bluegreen-unreadable: ${join(dir, 'no-such.conf')}`)
  })

  it('reads the slot ports through ss', () => {
    writeFileSync(join(dir, 'ss'), `#!/bin/sh\necho 'LISTEN 0 511 127.0.0.1:8081 0.0.0.0:*'`)
    chmodSync(join(dir, 'ss'), 0o755)
    const output = runProbe({ sudoAsRoot: false, sudoOtherwise: false, commands: [], configPath: '', nginxProgram: 'nginx' })
    expect(parseProbe(output, { blue: 8080, green: 8081 }, DEFAULT_TEMPLATE).listening).toEqual({ blue: false, green: true })
  })
})
