/**
 * The chunk index kept beside each jar on the server (`app.jar.chunks`), and the delta plan built from it: which
 * ranges of the new jar the server copies from an older jar, and which it gets in the upload. Pure.
 */
import type { Chunk } from './chunker.js'

/** A jar as its index describes it. */
export interface ChunkIndex {
  sha256: string
  size: number
  chunks: Chunk[]
}

const INDEX_MAGIC = 'bluegreen-chunks 1'

/** First line `bluegreen-chunks 1 <jar sha256> <size>`, then one line per chunk: `<sha256> <offset> <length>`. */
export function formatIndex({ sha256, size, chunks }: ChunkIndex): string {
  return [`${INDEX_MAGIC} ${sha256} ${size}`, ...chunks.map(c => `${c.sha256} ${c.offset} ${c.length}`)].join('\n') + '\n'
}

/** Reads an index; an error says what is wrong with it (it came from the server, which may hold anything). */
export function parseIndex(text: string): ChunkIndex | { error: string } {
  const lines = text.split('\n').filter(line => line !== '')
  const header = new RegExp(`^${INDEX_MAGIC} ([0-9a-f]{64}) (\\d+)$`).exec(lines[0] ?? '')
  if (!header) return { error: 'its first line is not a chunk index header' }
  const chunks: Chunk[] = []
  let offset = 0
  for (const line of lines.slice(1)) {
    const match = /^([0-9a-f]{64}) (\d+) (\d+)$/.exec(line)
    if (!match || Number(match[2]) !== offset || Number(match[3]) === 0) return { error: `line ${chunks.length + 2} is not the next chunk` }
    chunks.push({ sha256: match[1], offset, length: Number(match[3]) })
    offset += Number(match[3])
  }
  const size = Number(header[2])
  if (offset !== size) return { error: `its chunks add up to ${offset} bytes, not the jar's ${size}` }
  return { sha256: header[1], size, chunks }
}

/** One range of the new jar: copied from the base jar on the server, or taken from the upload's data. */
export interface CopyOp {
  from: 'base' | 'upload'
  /** In the base jar, or in the upload's data (after the header). */
  offset: number
  length: number
}

export interface DeltaPlan {
  ops: CopyOp[]
  /** Ranges of the new jar to upload, in order; their bytes back to back are the upload's data. */
  literals: { offset: number; length: number }[]
  literalBytes: number
}

/** Which chunks of the new jar the base lacks, with neighbouring ranges joined so the server copies few ranges. */
export function planDelta(chunks: Chunk[], base: Chunk[]): DeltaPlan {
  const known = new Map<string, Chunk>()
  for (const chunk of base) if (!known.has(chunk.sha256)) known.set(chunk.sha256, chunk)
  const plan: DeltaPlan = { ops: [], literals: [], literalBytes: 0 }
  for (const chunk of chunks) {
    const found = known.get(chunk.sha256)
    if (found && found.length === chunk.length) append(plan.ops, { from: 'base', offset: found.offset, length: chunk.length })
    else {
      append(plan.ops, { from: 'upload', offset: plan.literalBytes, length: chunk.length })
      const last = plan.literals.at(-1)
      if (last && last.offset + last.length === chunk.offset) last.length += chunk.length
      else plan.literals.push({ offset: chunk.offset, length: chunk.length })
      plan.literalBytes += chunk.length
    }
  }
  return plan
}

function append(ops: CopyOp[], op: CopyOp): void {
  const last = ops.at(-1)
  if (last && last.from === op.from && last.offset + last.length === op.offset) last.length += op.length
  else ops.push(op)
}

const DELTA_MAGIC = 'bluegreen-delta 1'

/**
 * The upload's text part: `bluegreen-delta 1 <bytes of this text>`, one line per range (`o` from the base jar,
 * `n` from the data that follows the text), `chunks`, then the new jar's index. The data follows it.
 */
export function deltaHeader(plan: DeltaPlan, index: string): Buffer {
  const body = [...plan.ops.map(op => `${op.from === 'base' ? 'o' : 'n'} ${op.offset} ${op.length}`), 'chunks', ''].join('\n') + index
  const bodyBytes = Buffer.byteLength(body)
  // The first line counts its own digits: grow the guess until it covers them.
  const totalFor = (guess: number) => Buffer.byteLength(`${DELTA_MAGIC} ${guess}\n`) + bodyBytes
  let total = bodyBytes
  while (totalFor(total) !== total) total = totalFor(total)
  return Buffer.from(`${DELTA_MAGIC} ${total}\n${body}`)
}
