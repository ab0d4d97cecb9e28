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

  it('leaves the characters of SAFE_WORD bare, and quotes a lone shell metacharacter', () => {
    expect(quote('AZaz09_@%+=:,./-')).toBe('AZaz09_@%+=:,./-')
    for (const ch of ['~', '*', '?', '[', '#', '!', '&', ';', '|', '<', '>', '(', ')', '{', '}', '$', '`', '"', '\\', ' ', '\t', '\n']) {
      expect(quote(ch)).toBe(`'${ch}'`)
    }
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

describe('shellJoin', () => {
  it('joins the quoted words with single spaces', () => {
    expect(shellJoin(['sh', '-c', 'echo "$1"', 'sh', "it's", ''])).toBe(`sh -c 'echo "$1"' sh 'it'\\''s' ''`)
  })

  it('refuses an empty command', () => {
    expect(() => shellJoin([])).toThrow('empty command')
  })
})

describe('splitWords', () => {
  it('splits like a shell without expanding anything', () => {
    expect(splitWords(`-Xmx512m  -Dname="a b" '-Dq=$HOME' x\\ y`)).toEqual(['-Xmx512m', '-Dname=a b', '-Dq=$HOME', 'x y'])
    expect(splitWords('')).toEqual([])
  })

  it('keeps empty quoted words, joins adjacent quoted parts and splits on any whitespace', () => {
    expect(splitWords(`a "" ''\tb"c"'d'\n e`)).toEqual(['a', '', '', 'bcd', 'e'])
  })

  it('unescapes only \\" and \\\\ inside double quotes, nothing inside single quotes', () => {
    expect(splitWords(`"a\\"b\\\\c\\d" 'e\\f'`)).toEqual(['a"b\\c\\d', 'e\\f'])
  })

  it('keeps a trailing backslash as it is', () => {
    expect(splitWords('a\\')).toEqual(['a\\'])
  })

  it('reports unbalanced quotes', () => {
    expect(splitWords('"abc')).toEqual({ error: 'unbalanced " quote' })
    expect(splitWords("a 'b")).toEqual({ error: "unbalanced ' quote" })
  })
})
