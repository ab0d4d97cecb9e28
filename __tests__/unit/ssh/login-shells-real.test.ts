/**
 * The wrapped command line run by the real shells a login user may have, each printing a greeting from its
 * startup file first: every hostile argument arrives as one literal argument, and the greeting is told
 * apart from the command's output. lab/provision.sh installs zsh, fish, tcsh and busybox.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { loginShellLine, newMarker, Unframer } from '../../../src/ssh/login-shell.js'

const GREETING = "echo 'Welcome to the lab'; sh -c 'echo from stderr >&2'; printf 'no newline'"

let home: string

beforeAll(() => {
  home = mkdtempSync(path.join(tmpdir(), 'login-shells-'))
  mkdirSync(path.join(home, 'config/fish'), { recursive: true })
  for (const file of ['bashrc', '.zshenv', '.tcshrc', 'config/fish/config.fish']) writeFileSync(path.join(home, file), `${GREETING}\n`)
  // Servers whose `sh` is bash (Fedora, Arch) or busybox (Alpine), not dash.
  for (const [dir, sh] of [
    ['bash-sh', 'bash'],
    ['busybox-sh', 'busybox']
  ]) {
    mkdirSync(path.join(home, dir))
    symlinkSync(execFileSync('sh', ['-c', `command -v ${sh}`], { encoding: 'utf8' }).trim(), path.join(home, dir, 'sh'))
  }
})
afterAll(() => rmSync(home, { recursive: true, force: true }))

const withSh = (dir: string) => ({ PATH: `${path.join(home, dir)}:${process.env.PATH}` })

/**
 * A login shell, the environment that makes it read its startup file for `-c` (as sshd's bash reads
 * ~/.bashrc), and whether that file greets. The login shell finds `sh` on PATH, as on a server.
 */
const shells: [string, string, () => NodeJS.ProcessEnv, boolean][] = [
  ['dash', 'dash', () => ({}), false],
  ['bash', 'bash', () => ({ BASH_ENV: path.join(home, 'bashrc') }), true],
  ['zsh', 'zsh', () => ({ ZDOTDIR: home }), true],
  ['fish', 'fish', () => ({ XDG_CONFIG_HOME: path.join(home, 'config'), XDG_DATA_HOME: path.join(home, 'data') }), true],
  ['tcsh', 'tcsh', () => ({ HOME: home }), true],
  ['bash, where sh is bash', 'bash', () => ({ BASH_ENV: path.join(home, 'bashrc'), ...withSh('bash-sh') }), true],
  ['fish, where sh is busybox', 'fish', () => ({ XDG_CONFIG_HOME: path.join(home, 'config'), ...withSh('busybox-sh') }), true]
]

const hostile = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 0, maxLength: 12 }),
    fc.constantFrom(
      "'",
      "\\'",
      '\\\\',
      '\\',
      '"',
      '=ls',
      '=',
      '%self',
      '{a,b}',
      '!!',
      '!$',
      '^x',
      '$status',
      '(echo x)',
      '$(id)',
      '`id`',
      '~root',
      '*',
      '#c',
      'a\nb',
      '\t',
      '\r',
      ';&|<>',
      'é✓ ☃',
      '-n',
      'A=1'
    )
  )
  .filter(s => !s.includes('\0'))

function runWrapped(shell: string, env: NodeJS.ProcessEnv, args: string[]) {
  const marker = newMarker()
  const run = spawnSync(shell, ['-c', loginShellLine(['printf', '%s\\0', ...args], marker)], { env: { ...process.env, ...env } })
  if (run.error) throw new Error(`${shell}: ${run.error.message} (lab/provision.sh installs zsh, fish, tcsh and busybox)`)
  const [out, err] = [new Unframer(marker), new Unframer(marker)]
  const stdout = out.push(run.stdout).toString('utf8')
  const stderr = err.push(run.stderr).toString('utf8')
  return { code: run.status, stdout, stderr, greeting: [out.greeting, err.greeting], framed: out.framed && err.framed }
}

describe.each(shells)('login shell %s', (_name, shell, env, greets) => {
  it('runs the command with every hostile argument intact, and its greeting apart', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 4 }), args => {
        const run = runWrapped(shell, env(), args)
        expect(run).toMatchObject({ code: 0, framed: true, stderr: '' })
        expect(run.stdout.split('\0').slice(0, -1)).toEqual(args)
        expect(run.greeting).toEqual(greets ? ['Welcome to the lab\nno newline', 'from stderr\n'] : ['', ''])
      }),
      { numRuns: 30 }
    )
  })

  it('passes the exit code, stdin and stderr of the command through', () => {
    const marker = newMarker()
    const argv = ['sh', '-c', 'cat; echo oops >&2; exit 7']
    const run = spawnSync(shell, ['-c', loginShellLine(argv, marker)], { env: { ...process.env, ...env() }, input: 'from stdin\n' })
    expect(run.status).toBe(7)
    expect(new Unframer(marker).push(run.stdout).toString()).toBe('from stdin\n')
    expect(new Unframer(marker).push(run.stderr).toString()).toBe('oops\n')
  })
})
