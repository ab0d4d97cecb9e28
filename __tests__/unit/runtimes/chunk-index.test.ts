import { deltaHeader, formatIndex, parseIndex, planDelta } from '../../../src/runtimes/chunk-index.js'
import type { Chunk } from '../../../src/runtimes/chunker.js'

const h = (c: string) => c.repeat(64)

/** Chunks of the given lengths, back to back, hashed as named. */
function chunks(...spec: [string, number][]): Chunk[] {
  let offset = 0
  return spec.map(([name, length]) => {
    const chunk = { sha256: h(name), offset, length }
    offset += length
    return chunk
  })
}

describe('chunk index', () => {
  const index = { sha256: h('f'), size: 30, chunks: chunks(['a', 10], ['b', 20]) }

  it('is a header line and one line per chunk: sha256, offset, length', () => {
    expect(formatIndex(index)).toBe(`bluegreen-chunks 1 ${h('f')} 30\n${h('a')} 0 10\n${h('b')} 10 20\n`)
  })

  it('reads back what it wrote', () => {
    expect(parseIndex(formatIndex(index))).toEqual(index)
  })

  it('refuses an index that does not describe a whole jar', () => {
    expect(parseIndex('')).toEqual({ error: 'its first line is not a chunk index header' })
    expect(parseIndex(`bluegreen-chunks 2 ${h('f')} 30\n`)).toEqual({ error: 'its first line is not a chunk index header' })
    expect(parseIndex(formatIndex(index).replace(' 10 20', ' 11 20'))).toEqual({ error: 'line 3 is not the next chunk' })
    expect(parseIndex(formatIndex(index).replace(h('b'), 'zz'))).toEqual({ error: 'line 3 is not the next chunk' })
    expect(parseIndex(formatIndex(index).split('\n').slice(0, 2).join('\n'))).toEqual({
      error: "its chunks add up to 10 bytes, not the jar's 30"
    })
    expect(parseIndex(`bluegreen-chunks 1 ${h('f')} 0\n${h('a')} 0 0\n`)).toEqual({ error: 'line 2 is not the next chunk' })
  })
})

describe('planDelta', () => {
  it('sends only the chunks the base lacks, and copies the rest from where they are in the base', () => {
    const base = chunks(['a', 10], ['b', 20], ['c', 30], ['d', 40])
    const next = chunks(['a', 10], ['x', 5], ['c', 30], ['d', 40], ['y', 7])
    expect(planDelta(next, base)).toEqual({
      ops: [
        { from: 'base', offset: 0, length: 10 },
        { from: 'upload', offset: 0, length: 5 },
        { from: 'base', offset: 30, length: 70 },
        { from: 'upload', offset: 5, length: 7 }
      ],
      literals: [
        { offset: 10, length: 5 },
        { offset: 85, length: 7 }
      ],
      literalBytes: 12
    })
  })

  it('joins neighbouring missing chunks into one range, and copies moved chunks from their place in the base', () => {
    const base = chunks(['a', 10], ['b', 20], ['c', 30])
    const next = chunks(['c', 30], ['x', 1], ['y', 2], ['a', 10], ['b', 20], ['a', 10])
    expect(planDelta(next, base)).toEqual({
      ops: [
        { from: 'base', offset: 30, length: 30 },
        { from: 'upload', offset: 0, length: 3 },
        { from: 'base', offset: 0, length: 30 },
        { from: 'base', offset: 0, length: 10 }
      ],
      literals: [{ offset: 30, length: 3 }],
      literalBytes: 3
    })
  })

  it('sends everything when nothing matches, and nothing when all does', () => {
    const base = chunks(['a', 10], ['b', 20])
    expect(planDelta(chunks(['x', 10], ['y', 20]), base)).toEqual({
      ops: [{ from: 'upload', offset: 0, length: 30 }],
      literals: [{ offset: 0, length: 30 }],
      literalBytes: 30
    })
    expect(planDelta(base, base)).toEqual({ ops: [{ from: 'base', offset: 0, length: 30 }], literals: [], literalBytes: 0 })
  })
})

describe('deltaHeader', () => {
  it('names its own length, lists the ranges, then the new index', () => {
    const plan = planDelta(chunks(['a', 10], ['x', 5]), chunks(['a', 10]))
    const body = 'o 0 10\nn 0 5\nchunks\nINDEX\n'
    const header = deltaHeader(plan, 'INDEX\n').toString()
    expect(header).toBe(`bluegreen-delta 1 ${header.length}\n${body}`)
    expect(header.length).toBe('bluegreen-delta 1 NN\n'.length + body.length)
  })

  it('counts the digits of its own length when they carry over (99 → 100)', () => {
    for (let size = 60; size < 140; size++) {
      const header = deltaHeader({ ops: [], literals: [], literalBytes: 0 }, 'i'.repeat(size))
      expect(header.toString()).toMatch(new RegExp(`^bluegreen-delta 1 ${header.length}\n`))
    }
  })
})
