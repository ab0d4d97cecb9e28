import { jest } from '@jest/globals'
import * as core from '@actions/core'
import fc from 'fast-check'
import { markdownCode, oneLine, safeText } from '../../../src/report/safe-text.js'
import { workflowCommands } from '../../support/workflow-commands.js'

const HOSTILE = [
  '::add-mask::v1',
  '::error::pwned',
  '::save-state name=repair::{}',
  '::set-output name=result::deployed',
  '::stop-commands::x',
  '  ::warning::indented',
  '\t::notice::tab',
  '\u00a0::debug::nbsp',
  '\ufeff::error::bom',
  '\u200b::error::zero-width',
  ':\u200b:error::split',
  '\u0085::error::nel',
  'log ##[add-mask]v1',
  '#\u00ad#[error]soft-hyphen'
]

describe('safeText', () => {
  it('the hostile lines are commands as they are', () => {
    expect(workflowCommands(HOSTILE.join('\n'))).toHaveLength(HOSTILE.length)
  })

  it('leaves none of them a command, in any line-break style', () => {
    for (const separator of ['\n', '\r\n', '\r']) {
      expect(workflowCommands(safeText(HOSTILE.join(separator)))).toEqual([])
    }
  })

  it('marks a command line with a backslash and keeps its indentation', () => {
    expect(safeText('ok\n::error::pwned\n  ::add-mask::v1\nlog ##[error]x')).toBe(
      'ok\n\\::error::pwned\n  \\::add-mask::v1\nlog #\\#[error]x'
    )
  })

  it('leaves ordinary text alone', () => {
    const text = '2024-05-01T10:00:00Z Started on port 8080 :: ready\n  at a.b(C.java:12)\nhttp://[::1]:80/ # done\n'
    expect(safeText(text)).toBe(text)
  })

  it('holds for any text', () => {
    const alphabet = fc.constantFrom(
      ':',
      '#',
      '[',
      ']',
      ' ',
      '\t',
      '\n',
      '\r',
      '\u200b',
      '\u00ad',
      '\ufeff',
      '\u0085',
      'a',
      'error',
      'add-mask'
    )
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 40 }).map(parts => parts.join('')),
        text => {
          expect(workflowCommands(safeText(text))).toEqual([])
          expect(workflowCommands(oneLine(text))).toEqual([])
          expect(oneLine(text)).not.toMatch(/[\r\n]/)
        }
      ),
      { numRuns: 2000 }
    )
  })
})

describe('what @actions/core prints', () => {
  it('keeps a multi-line failure message on one ::error:: line', () => {
    let printed = ''
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => (printed += String(chunk)) !== '')
    try {
      core.setFailed(safeText('did not become healthy (last: HTTP 200 but status is DOWN\n::add-mask::v1\r::error::pwned)'))
    } finally {
      write.mockRestore()
      process.exitCode = 0
    }
    expect(printed.trimEnd().split('\n')).toHaveLength(1)
    expect(workflowCommands(printed).map(command => command.name)).toEqual(['error'])
    expect(workflowCommands(printed)[0].data).toBe(
      'did not become healthy (last: HTTP 200 but status is DOWN\n\\::add-mask::v1\n\\::error::pwned)'
    )
  })
})

describe('markdownCode', () => {
  it('puts untrusted text in one code span', () => {
    expect(markdownCode('Could not pull x: denied <img src=x> @octocat [a](http://e.vil)')).toBe(
      '`Could not pull x: denied <img src=x> @octocat [a](http://e.vil)`'
    )
  })

  it('fences with more backticks than the text holds and keeps it on one line', () => {
    expect(markdownCode('a `b` ``c``\n\n# heading')).toBe('```a `b` ``c``  # heading```')
    expect(markdownCode('`x`')).toBe('`` `x` ``')
  })

  it('is empty for blank text', () => {
    expect(markdownCode(' \n ')).toBe('')
  })
})
