/** Finds the jar on the runner (a path or glob that must match exactly one file) and fingerprints it. */
import { createHash } from 'node:crypto'
import { createReadStream, statSync } from 'node:fs'
import { isAbsolute, join, relative } from 'node:path'
import * as glob from '@actions/glob'
import { InputError } from '../errors.js'
import { chunkFile } from './chunker.js'
import type { LocalArtifact } from './runtime.js'

/** Files matching a path or glob (@actions/glob patterns), relative to `cwd` unless absolute; sorted. */
export async function resolveGlob(pattern: string, cwd = process.cwd()): Promise<string[]> {
  const absolute = isAbsolute(pattern) ? pattern : join(cwd, pattern)
  // One pattern per input: a newline or a leading '!' would add or exclude patterns, which a jar path never means.
  const globber = await glob.create(absolute.replace(/^!/, '\\!'), { matchDirectories: false, implicitDescendants: false })
  return (await globber.glob()).sort()
}

export async function findJar(pattern: string, cwd = process.cwd()): Promise<LocalArtifact> {
  if (/[\r\n]/.test(pattern)) throw new InputError('jar', pattern, 'one path or glob, on one line')
  const matches = await resolveGlob(pattern, cwd)
  if (matches.length !== 1) {
    const found = matches.length === 0 ? 'no file' : `${matches.length} files (${matches.map(m => relative(cwd, m)).join(', ')})`
    throw new InputError('jar', pattern, `a path or glob matching exactly one file on the runner, but it matched ${found}`)
  }
  const path = matches[0]
  const artifact = { path, sha256: await sha256File(path), size: statSync(path).size }
  // Chunked while the deploy connects and reads the server, so that chunking never holds up the upload itself.
  const chunks = chunkFile(path)
  chunks.catch(() => {}) // the upload reports it, if it needs the chunks
  return { ...artifact, chunks }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256')
    createReadStream(path)
      .on('data', chunk => hash.update(chunk))
      .on('end', () => resolvePromise(hash.digest('hex')))
      .on('error', reject)
  })
}
