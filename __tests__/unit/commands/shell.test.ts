import { execFileSync } from 'node:child_process'
import fc from 'fast-check'
import { quote, shellJoin, splitWords } from '../../../src/commands/shell.js'

/** Runs a command line in a real POSIX shell and returns the arguments it received, NUL-separated. */
function argsSeenByShell(line: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' })
  return out.split('\0').slice(0, -1)
}

describe('quote', () => {
  it('leaves plain words alone', () => {
    expect(quote('releases/abc-1.jar')).toBe('releases/abc-1.jar')
    expect(quote('-Dserver.port=8080')).toBe('-Dserver.port=8080')
  })

  it('single-quotes anything else, escaping single quotes', () => {
    expect(quote('')).toBe("''")
    expect(quote('a b')).toBe("'a b'")
    expect(quote("it's")).toBe("'it'\\''s'")
    expect(quote('$(reboot)')).toBe("'$(reboot)'")
  })

  it('refuses NUL bytes, which no shell argument can carry', () => {
    expect(() => quote('a\0b')).toThrow(/NUL/)
  })

  it('delivers hostile strings to a real shell as exactly one literal argument each', () => {
    const hostile = fc
      .oneof(
        fc.string({ unit: 'binary' }),
        fc.constantFrom(';', '$(id)', '`id`', "'", '"', '\n', '\\', '*', '~', '$HOME', '&&', '|', '>', '!', '#', ' ', '\t', '-n', 'é✓')
      )
      .filter(s => !s.includes('\0'))
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 4 }), args => {
        expect(argsSeenByShell(shellJoin(args))).toEqual(args)
      }),
      { numRuns: 200 }
    )
  })
})

describe('splitWords', () => {
  it('splits like a shell without expanding anything', () => {
    expect(splitWords(`-Xmx512m  -Dname="a b" '-Dq=$HOME' x\\ y`)).toEqual(['-Xmx512m', '-Dname=a b', '-Dq=$HOME', 'x y'])
    expect(splitWords('')).toEqual([])
  })

  it('reports unbalanced quotes', () => {
    expect(splitWords('"abc')).toEqual({ error: 'unbalanced " quote' })
  })
})
