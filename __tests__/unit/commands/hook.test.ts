import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hookTimedOut, runHook } from '../../../src/commands/hook.js'
import type { RemoteCommand } from '../../../src/ssh/remote.js'
import { isAlive, waitForExit } from '../../support/processes.js'

const launch = { name: 'before-switch', dir: 'bluegreen/api', argv: ['./migrate.sh', '--to', 'latest'], timeoutMs: 300_000 }

/** Runs the built command in a local shell, as the login shell on the server would. */
function runLocally(command: RemoteCommand) {
  const result = spawnSync(command.argv[0], command.argv.slice(1), { input: command.stdin, encoding: 'utf8', timeout: 20_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('runHook', () => {
  it('runs the hook with a server-side timeout, from the directory, with the environment on stdin', () => {
    const command = runHook({ ...launch, jar: 'releases/abc/app.jar' }, [
      ['DB_PASSWORD', 's3cret $(x)'],
      ['BLUEGREEN_PORT', '8081']
    ])
    expect(command).toEqual({
      label: 'before-switch hook',
      argv: [
        'sh',
        '-c',
        `dir=$1 seconds=$2 jar=$3; shift 3
cd -- "$dir" || exit 1
while IFS= read -r kv; do [ -n "$kv" ] && export "$kv"; done
export BLUEGREEN_DIR="$PWD"
if [ -n "$jar" ]; then export BLUEGREEN_JAR="$PWD/$jar"; fi
exec timeout -k 10 "$seconds" "$@" < /dev/null 2>&1`,
        'sh',
        'bluegreen/api',
        '300',
        'releases/abc/app.jar',
        './migrate.sh',
        '--to',
        'latest'
      ],
      stdin: 'DB_PASSWORD=s3cret $(x)\nBLUEGREEN_PORT=8081\n',
      timeoutMs: 330_000
    })
  })

  it('rounds the timeout up to whole seconds and passes no jar in image mode', () => {
    expect(runHook({ ...launch, timeoutMs: 1500 }, []).argv.slice(4, 7)).toEqual(['bluegreen/api', '2', ''])
  })

  describe('in a real shell', () => {
    let dir: string
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hook-'))))
    afterEach(() => rmSync(dir, { recursive: true, force: true }))

    it('exports values literally, runs in the directory with no input, and joins stderr to stdout', () => {
      const show = 'printf "%s|" "$PWD" "$BLUEGREEN_DIR" "$BLUEGREEN_JAR" "$SECRET" "$1"; echo to-stderr >&2; cat'
      const result = runLocally(
        runHook({ ...launch, dir, argv: ['sh', '-c', show, 'sh', '$(id) `id`'], jar: 'releases/x/app.jar' }, [['SECRET', "a'b $(id) \\n"]])
      )
      expect(result).toEqual({
        code: 0,
        stdout: `${dir}|${dir}|${dir}/releases/x/app.jar|a'b $(id) \\n|$(id) \`id\`|to-stderr\n`,
        stderr: ''
      })
    })

    it('passes the exit code on, and stops a hook and what it started at the timeout', async () => {
      expect(runLocally(runHook({ ...launch, dir, argv: ['sh', '-c', 'exit 3'] }, [])).code).toBe(3)
      const started = Date.now()
      const hung = runLocally(runHook({ ...launch, dir, argv: ['sh', '-c', 'sleep 300 & echo $! > child.pid; wait'], timeoutMs: 1000 }, []))
      expect(hung.code).toBe(124)
      expect(hookTimedOut(hung.code, Date.now() - started, 1000)).toBe(true)
      const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'))
      // `timeout` signals the hook's whole process group: the background sleep is ended too.
      await waitForExit(child, 5000)
      expect(isAlive(child)).toBe(false)
    })
  })
})

describe('hookTimedOut', () => {
  it.each([
    [124, 5000, true],
    [137, 5000, true],
    [124, 100, false],
    [1, 5000, false],
    [null, 5000, false]
  ])('exit %p after %p ms of a 5 s limit: %p', (code, elapsed, expected) => {
    expect(hookTimedOut(code, elapsed, 5000)).toBe(expected)
  })
})
