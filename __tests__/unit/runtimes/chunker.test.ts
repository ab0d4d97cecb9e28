import { createHash } from 'node:crypto'
import { bytesFor as bytes } from '../../../lab/fat-jar.mjs'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CHUNK_SIZES, chunkBuffer, chunkFile, GearChunker, type Chunk } from '../../../src/runtimes/chunker.js'

/** Deterministic incompressible bytes (what a jar's compressed entries look like). */
const data = bytes('data', 3 * 1024 * 1024 + 12345)
const { min, max } = CHUNK_SIZES
// Changing these changes every index: the next deploy after such a change sends more than it needs to.
const GOLDEN = [36606, 20307, 40130, 59282, 38067, 31534, 26977, 38723, 28132, 42165, 31916, 6161]

/** The gear table as documented: the first 4 bytes (big-endian) of sha256("bluegreen gear <i>"). */
const GEAR = Array.from({ length: 256 }, (_, i) => createHash('sha256').update(`bluegreen gear ${i}`).digest().readUInt32BE(0))

/** The chunk lengths by the plain definition: every byte hashed, 16 top bits zero below 32 KiB, 14 above, 64 KiB at most. */
function naiveLengths(input: Buffer): number[] {
  const lengths: number[] = []
  let hash = 0
  let length = 0
  for (const byte of input) {
    hash = (hash * 2 + GEAR[byte]) % 2 ** 32
    length++
    const bits = length < 32 * 1024 ? 16 : 14
    if ((length >= min && Math.floor(hash / 2 ** (32 - bits)) === 0) || length === max) {
      lengths.push(length)
      hash = 0
      length = 0
    }
  }
  return length ? [...lengths, length] : lengths
}

function hashes(chunks: Chunk[]): string[] {
  return chunks.map(c => c.sha256)
}

describe('GearChunker', () => {
  it('cuts the same bytes at the same places however they are split into pieces', () => {
    const whole = chunkBuffer(data)
    for (const pieceSize of [1000, 65536, 100_003]) {
      const chunker = new GearChunker()
      const lengths: number[] = []
      for (let at = 0; at < data.length; at += pieceSize) lengths.push(...chunker.push(data.subarray(at, at + pieceSize)))
      lengths.push(chunker.finish())
      expect(lengths).toEqual(whole.map(c => c.length))
    }
  })

  it('cuts where hashing every byte of each chunk from its start would (hashing starts just before the minimum)', () => {
    expect(chunkBuffer(data).map(c => c.length)).toEqual(naiveLengths(data))
  })

  it('makes chunks between the minimum and the maximum size (the last may be shorter), covering the input', () => {
    const chunks = chunkBuffer(data)
    expect(chunks.length).toBeGreaterThan(data.length / max)
    expect(chunks.length).toBeLessThan(data.length / min)
    chunks.slice(0, -1).forEach(c => expect(c.length).toBeGreaterThanOrEqual(min))
    chunks.forEach(c => expect(c.length).toBeLessThanOrEqual(max))
    expect(chunks.reduce((end, c) => (expect(c.offset).toBe(end), end + c.length), 0)).toBe(data.length)
    chunks.forEach(c =>
      expect(c.sha256).toBe(
        createHash('sha256')
          .update(data.subarray(c.offset, c.offset + c.length))
          .digest('hex')
      )
    )
  })

  it('gives the same chunks on every runner and run (the gear table and masks are fixed)', () => {
    expect(chunkBuffer(bytes('fixed', 400_000)).map(c => c.length)).toEqual(GOLDEN)
  })

  it('keeps the chunks after inserted or removed bytes: only those around the change differ', () => {
    const before = new Set(hashes(chunkBuffer(data)))
    const at = 1_000_000
    const inserted = Buffer.concat([data.subarray(0, at), bytes('inserted', 777), data.subarray(at)])
    const removed = Buffer.concat([data.subarray(0, at), data.subarray(at + 5000)])
    for (const changed of [inserted, removed]) {
      const chunks = chunkBuffer(changed)
      const fresh = chunks.filter(c => !before.has(c.sha256))
      expect(fresh.length).toBeLessThanOrEqual(2)
      fresh.forEach(c => expect(Math.abs(c.offset - at)).toBeLessThan(2 * max))
    }
  })

  it('cuts only at the maximum size in input without any content-defined cut point', () => {
    expect(chunkBuffer(Buffer.alloc(5 * max)).map(c => c.length)).toEqual([max, max, max, max, max])
  })

  it('handles empty and tiny input', () => {
    expect(chunkBuffer(Buffer.alloc(0))).toEqual([])
    expect(chunkBuffer(Buffer.from('abc'))).toEqual([{ sha256: createHash('sha256').update('abc').digest('hex'), offset: 0, length: 3 }])
  })
})

describe('chunkFile', () => {
  it('reads a file into the same chunks as the bytes in memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chunks-'))
    try {
      writeFileSync(join(dir, 'app.jar'), data)
      expect(await chunkFile(join(dir, 'app.jar'))).toEqual(chunkBuffer(data))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('rejects for a missing file', async () => {
    await expect(chunkFile('/nonexistent/app.jar')).rejects.toThrow(/ENOENT/)
  })
})
