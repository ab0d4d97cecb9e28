/** The joined command runs each part's argv exactly, in order, stops at the first failure, and names it. */
import { spawnSync } from 'node:child_process'
import { PART_MARKER, lastPartOutput, partsStarted, sequence } from '../../../src/commands/sequence.js'
import { script } from '../../../src/commands/script.js'

/** Runs argv with a real sh, as sshd's login shell would after shellJoin. */
function run(argv: string[], stdin = ''): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(argv[0], argv.slice(1), { input: stdin, encoding: 'utf8' })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

const printArgs = (label: string, ...words: string[]) => ({ label, argv: script('printf "[%s]" "$@"; echo', words) })

describe('sequence', () => {
  it('passes every word of every part through literally, and gives stdin to the first part only', () => {
    const hostile = ['a b', '$(id)', '"q"', "'s'", '*', '', '${1}', '\\n', '-x', '10 words']
    const parts = [
      { label: 'read stdin', argv: ['cat'], stdin: 'content\n' },
      printArgs('first', ...hostile),
      { label: 'stdin is empty', argv: script('wc -c', []) },
      printArgs('second', 'x', ...Array.from({ length: 12 }, (_, i) => `w${i}`))
    ]
    const command = sequence('switch nginx', parts)
    expect(command.stdin).toBe('content\n')
    const result = run(command.argv, command.stdin)
    expect(result.code).toBe(0)
    expect(partsStarted(result.stdout)).toEqual(['read stdin', 'first', 'stdin is empty', 'second'])
    expect(result.stdout).toBe(
      `${PART_MARKER}read stdin\ncontent\n${PART_MARKER}first\n${hostile.map(word => `[${word}]`).join('')}\n` +
        `${PART_MARKER}stdin is empty\n0\n${PART_MARKER}second\n[x]${Array.from({ length: 12 }, (_, i) => `[w${i}]`).join('')}\n`
    )
    expect(result.stderr).toBe('')
  })

  it('stops at the first part that fails, with its exit code, and runs nothing after it', () => {
    const parts = [printArgs('one', '1'), { label: 'fails', argv: script('echo broken >&2; exit 7', []) }, printArgs('never', '3')]
    const result = run(sequence('joined', parts).argv)
    expect(result.code).toBe(7)
    expect(partsStarted(result.stdout)).toEqual(['one', 'fails'])
    expect(lastPartOutput(result.stdout)).toBe('broken\n')
  })

  it('is one constant script, the parts as positional arguments, with the timeouts added up', () => {
    const command = sequence('joined', [
      { label: 'a', argv: ['nginx', '-t'], timeoutMs: 30_000 },
      { label: 'b', argv: ['nginx', '-s', 'reload'], timeoutMs: 30_000 }
    ])
    expect(command.argv.slice(3)).toEqual(['sh', 'a', '2', 'nginx', '-t', 'b', '3', 'nginx', '-s', 'reload'])
    expect(command.argv.slice(0, 2)).toEqual(['sh', '-c'])
    expect(command.timeoutMs).toBe(60_000)
    expect(command.label).toBe('joined')
  })
})
