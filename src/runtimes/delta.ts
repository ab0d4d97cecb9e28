/**
 * Puts a jar on the server: when an earlier release has a chunk index, only the chunks it lacks are sent and the
 * server rebuilds the jar from that release's jar; otherwise, or when that fails, the whole jar is sent. Either
 * way the new jar's chunk index is written beside it, for the next deploy.
 */
import { open } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { receiveDelta, writeChunkIndex } from '../commands/delta.js'
import { receiveFile } from '../commands/files.js'
import { lastLines } from '../errors.js'
import { logInfo } from '../report/safe-text.js'
import type { Layout } from '../server/layout.js'
import type { ExecResult, Remote } from '../ssh/remote.js'
import { chunkFile, type Chunk } from './chunker.js'
import { deltaHeader, formatIndex, parseIndex, planDelta, type DeltaPlan } from './chunk-index.js'
import type { LocalArtifact } from './runtime.js'

/** An earlier release on the server, as the prepare command printed it (commands/delta.ts, DELTA_BASE_SCRIPT). */
export interface DeltaBase {
  name: string
  sha256: string
  index: string
}

/** The prepare command's output: the sha256 of the jar if it is there already (else ''), and a base for a delta. */
export function parsePrepared(output: string): { existing: string; base: DeltaBase | null } {
  const [first = '', header = '', sha256 = '', ...index] = output.split('\n')
  const base = /^== delta-base (\S+)$/.exec(header)
  return { existing: first.trim(), base: base ? { name: base[1], sha256: sha256.trim(), index: index.join('\n') } : null }
}

// Above this share of the jar, rebuilding on the server saves too little over sending it whole.
const MAX_DELTA_SHARE = 0.5

export class ReleaseUpload {
  /** Bytes sent for the jar: the delta's, or the whole jar's. */
  sentBytes = 0
  /** For the note after a full upload: why no delta was sent although an earlier release was there. */
  fallback = ''
  /** For the note after a full upload: that its chunk index could not be written. */
  indexProblem = ''
  private readonly stop = new AbortController()
  // Started by findJar, or else here: the jar is chunked while the server answers.
  private readonly chunks: Promise<Chunk[]>

  constructor(
    private readonly remote: Remote,
    private readonly artifact: LocalArtifact,
    private readonly layout: Layout,
    private readonly log: (line: string) => void = logInfo
  ) {
    this.chunks = artifact.chunks ?? chunkFile(artifact.path, this.stop.signal)
    this.chunks.catch(() => {}) // awaited later, or not at all
  }

  /** The jar is not uploaded after all. */
  cancel(): void {
    this.stop.abort()
  }

  /** Sends a delta on `base` and returns the note; null (having logged why) when the whole jar must be sent. */
  async delta(base: DeltaBase | null): Promise<string | null> {
    if (!base) {
      this.log('No earlier release with a chunk index on the server: uploading the whole jar.')
      return null
    }
    const begin = Date.now()
    const outcome = await this.tryDelta(base).catch((error: Error) => {
      if (this.remote.lostReason()) throw error
      return error.message
    })
    if (typeof outcome === 'string') {
      this.log(`Delta upload on release ${base.name} not used: ${outcome}; uploading the whole jar.`)
      this.fallback = `; delta upload not used: ${outcome}`
      return null
    }
    this.sentBytes = outcome
    const { size } = this.artifact
    const seconds = Math.max(1, Date.now() - begin) / 1000
    return `delta: ${kib(outcome)} of ${mib(size)} sent (${percent(outcome, size)}) in ${seconds.toFixed(2)} s, sha256 verified`
  }

  /** Sends the whole jar, and its chunk index beside it at the same time. */
  async full(onSent?: (bytes: number) => void): Promise<ExecResult> {
    const jar = this.layout.jarPath(this.artifact.sha256)
    const index = this.indexText()
      .then(text => this.remote.exec(writeChunkIndex(`${jar}.chunks`, text)))
      .then(
        result => (result.code === 0 ? '' : lastLines(result.stderr, 1) || `exit code ${result.code}`),
        (error: Error) => error.message
      )
    const received = await this.remote.upload(this.artifact.path, receiveFile(jar, this.artifact.sha256), onSent)
    const problem = await index
    this.indexProblem = problem && `; chunk index not written (${problem}), so the next deploy uploads the whole jar`
    this.sentBytes = this.artifact.size
    return received
  }

  /** The bytes sent, or why no delta was sent. */
  private async tryDelta(base: DeltaBase): Promise<number | string> {
    const known = parseIndex(base.index)
    if ('error' in known) return `its chunk index is unreadable (${known.error})`
    if (known.sha256 !== base.sha256 || this.layout.releaseName(base.sha256) !== base.name) {
      return 'its chunk index describes another jar'
    }
    const { path, sha256, size } = this.artifact
    const chunks = await this.chunks
    const plan = planDelta(chunks, known.chunks)
    if (plan.literalBytes > size * MAX_DELTA_SHARE) return `${percent(plan.literalBytes, size)} of the jar changed`
    const header = deltaHeader(plan, formatIndex({ sha256, size, chunks }))
    const command = receiveDelta(this.layout.jarPath(sha256), this.layout.jarPath(base.sha256), sha256)
    const data = Readable.from(deltaData(path, header, plan))
    // Destroying it closes the jar, should the server have stopped reading early.
    const result = await this.remote.uploadStream(data, command).finally(() => data.destroy())
    if (result.code !== 0) return lastLines(result.stderr || result.stdout, 1) || `exit code ${result.code}`
    return header.length + plan.literalBytes
  }

  private async indexText(): Promise<string> {
    const chunks = await this.chunks
    return formatIndex({ sha256: this.artifact.sha256, size: this.artifact.size, chunks })
  }
}

/** The delta upload: its header, then the new jar's ranges that the base lacks, read from the file as they are sent. */
async function* deltaData(path: string, header: Buffer, plan: DeltaPlan): AsyncGenerator<Buffer> {
  yield header
  const file = await open(path)
  try {
    for (const { offset, length } of plan.literals) {
      for (let done = 0; done < length;) {
        const want = Math.min(1024 * 1024, length - done)
        const { bytesRead, buffer } = await file.read(Buffer.alloc(want), 0, want, offset + done)
        if (bytesRead === 0) throw new Error(`${path} became shorter while it was uploaded`)
        yield buffer.subarray(0, bytesRead)
        done += bytesRead
      }
    }
  } finally {
    await file.close()
  }
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`
}
