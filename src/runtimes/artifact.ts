/** Finds the jar on the runner (a path or glob that must match exactly one file) and fingerprints it. */
import { createHash } from 'node:crypto'
import { createReadStream, statSync } from 'node:fs'
import { basename, isAbsolute, join, relative } from 'node:path'
import * as glob from '@actions/glob'
import { InputError } from '../errors.js'
import { chunkFile } from './chunker.js'
import type { LocalArtifact } from './runtime.js'

/** `gradle build` leaves `app-1.0-plain.jar` (no dependencies) beside the boot jar; it is never the one to deploy. */
export const PLAIN_JAR_EXCLUSION = '**/*-plain.jar'

/**
 * The `jar` input as @actions/glob patterns, each made absolute against `cwd`: one per line, `!` excludes,
 * `#` starts a comment. Gradle's plain jar is left out unless a pattern names one.
 */
export function jarPatterns(input: string, cwd: string): string[] {
  const lines = input
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line && !line.startsWith('#'))
  const patterns = lines.map(line => {
    const [, bangs, rest] = /^(!*)(.*)$/.exec(line) as RegExpExecArray
    return bangs + (isAbsolute(rest) ? rest : join(cwd, rest))
  })
  const includes = lines.filter(line => !line.startsWith('!'))
  const namesPlain = includes.some(line => /plain/i.test(basename(line)))
  return namesPlain ? patterns : [...patterns, `!/${PLAIN_JAR_EXCLUSION}`]
}

/** Files matching the patterns of `jarPatterns`; sorted. */
export async function resolveGlob(input: string, cwd = process.cwd()): Promise<string[]> {
  const globber = await glob.create(jarPatterns(input, cwd).join('\n'), { matchDirectories: false, implicitDescendants: false })
  return (await globber.glob()).sort()
}

export async function findJar(pattern: string, cwd = process.cwd()): Promise<LocalArtifact> {
  const matches = await resolveGlob(pattern, cwd)
  if (matches.length !== 1) throw matchError(pattern, cwd, matches)
  const path = matches[0]
  const artifact = { path, sha256: await sha256File(path), size: statSync(path).size }
  // Chunked while the deploy connects and reads the server, so that chunking never holds up the upload itself.
  const chunks = chunkFile(path)
  chunks.catch(() => {}) // the upload reports it, if it needs the chunks
  return { ...artifact, chunks }
}

function matchError(pattern: string, cwd: string, matches: string[]): InputError {
  const plainLeftOut = jarPatterns(pattern, cwd).at(-1) === `!/${PLAIN_JAR_EXCLUSION}`
  if (matches.length === 0) {
    const why = plainLeftOut ? " (Gradle's *-plain.jar files are left out unless a pattern names one)" : ''
    return new InputError('jar', pattern, `a path or glob matching exactly one file on the runner, but it matched no file${why}`)
  }
  const found = `${matches.length} files (${matches.map(m => relative(cwd, m)).join(', ')})`
  return new InputError(
    'jar',
    pattern,
    `a path or glob matching exactly one file on the runner, but it matched ${found}; ` +
      'narrow it, or exclude the others on lines of their own such as !**/*-sources.jar'
  )
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
