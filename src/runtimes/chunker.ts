/**
 * Content-defined chunking with a gear hash: cut points depend on the bytes around them, not on their offset,
 * so bytes inserted or removed early in a file move the cuts near the change and leave the later chunks as
 * they were. Pure apart from reading the file.
 */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'

export interface Chunk {
  sha256: string
  offset: number
  length: number
}

export interface ChunkSizes {
  min: number
  /** Where the cut condition loosens, so that chunk sizes cluster around it. */
  avg: number
  max: number
}

export const CHUNK_SIZES: ChunkSizes = { min: 16 * 1024, avg: 32 * 1024, max: 64 * 1024 }

/**
 * A 32-bit gear hash forgets a byte after 32 steps, so hashing may start 32 bytes before the first allowed cut
 * and still give the same value as hashing the whole chunk.
 */
const WINDOW = 32
// Cut tests use the hash's top bits: they depend on all of the last 32 bytes, the low bits only on the last few.
const STRICT_MASK = 0xffff0000 | 0 // 16 bits: a cut about every 64 KiB, below `avg`
const LOOSE_MASK = 0xfffc0000 | 0 // 14 bits: about every 16 KiB, above it

/** 256 fixed pseudo-random words, derived from sha256 so that every runner cuts the same file the same way. */
const GEAR = (() => {
  const table = new Uint32Array(256)
  for (let i = 0; i < 256; i++) table[i] = createHash('sha256').update(`bluegreen gear ${i}`).digest().readUInt32BE(0)
  return table
})()

/** Finds cut points in a stream of pieces; `push` returns the lengths of the chunks that ended in `piece`. */
export class GearChunker {
  private hash = 0
  /** Bytes of the current chunk seen so far. */
  private length = 0

  constructor(private readonly sizes: ChunkSizes = CHUNK_SIZES) {}

  push(piece: Uint8Array): number[] {
    const ends: number[] = []
    for (let i = 0; i < piece.length;) {
      // Where the current chunk began, as an index into `piece` (negative: in an earlier piece).
      const base = i - this.length
      const cut = this.scan(piece, Math.max(i, Math.min(piece.length, base + this.sizes.min - WINDOW)), base)
      if (cut < 0) {
        this.length = piece.length - base
        break
      }
      ends.push(cut - base)
      this.hash = 0
      this.length = 0
      i = cut
    }
    return ends
  }

  /** Hashes from `from` on; returns the index just past the next cut, or -1 when `piece` ends first. */
  private scan(piece: Uint8Array, from: number, base: number): number {
    const { min, avg, max } = this.sizes
    const n = piece.length
    let hash = this.hash
    let i = from
    // The loops are split by phase so that the hot one tests one fixed mask.
    for (const end = Math.min(n, base + min - 1); i < end; i++) hash = ((hash << 1) + GEAR[piece[i]]) | 0
    for (const end = Math.min(n, base + avg - 1); i < end; i++) {
      hash = ((hash << 1) + GEAR[piece[i]]) | 0
      if ((hash & STRICT_MASK) === 0) return i + 1
    }
    for (const end = Math.min(n, base + max - 1); i < end; i++) {
      hash = ((hash << 1) + GEAR[piece[i]]) | 0
      if ((hash & LOOSE_MASK) === 0) return i + 1
    }
    this.hash = hash
    return i < n ? i + 1 : -1
  }

  /** The length of the last, unfinished chunk (0 if the input ended on a cut). */
  finish(): number {
    const rest = this.length
    this.hash = 0
    this.length = 0
    return rest
  }
}

/** Splits bytes held in memory into chunks (for tests and small inputs). */
export function chunkBuffer(data: Uint8Array, sizes: ChunkSizes = CHUNK_SIZES): Chunk[] {
  const builder = new ChunkList(sizes)
  builder.push(data)
  return builder.finish()
}

/** Splits a file into chunks, reading it once; `signal` stops the reading early (the chunks are then not needed). */
export function chunkFile(path: string, signal?: AbortSignal, sizes: ChunkSizes = CHUNK_SIZES): Promise<Chunk[]> {
  return new Promise((resolve, reject) => {
    const builder = new ChunkList(sizes)
    const stream = createReadStream(path, { highWaterMark: 1024 * 1024, signal })
    stream.on('data', piece => builder.push(piece as Buffer))
    stream.on('end', () => resolve(builder.finish()))
    stream.on('error', reject)
  })
}

/** Chunk boundaries plus each chunk's sha256, hashed as the bytes pass. */
class ChunkList {
  private readonly chunker: GearChunker
  private readonly chunks: Chunk[] = []
  private offset = 0
  private pending = 0
  private hash: Hash = createHash('sha256')

  constructor(sizes: ChunkSizes) {
    this.chunker = new GearChunker(sizes)
  }

  push(piece: Uint8Array): void {
    let at = 0
    for (const length of this.chunker.push(piece)) {
      const take = length - this.pending
      this.hash.update(piece.subarray(at, at + take))
      at += take
      this.close(length)
    }
    this.hash.update(piece.subarray(at))
    this.pending += piece.length - at
  }

  finish(): Chunk[] {
    const rest = this.chunker.finish()
    if (rest > 0) this.close(rest)
    return this.chunks
  }

  private close(length: number): void {
    this.chunks.push({ sha256: this.hash.digest('hex'), offset: this.offset, length })
    this.offset += length
    this.pending = 0
    this.hash = createHash('sha256')
  }
}
