/** Finds the jar on the runner (a path or glob that must match exactly one file) and fingerprints it. */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import type { LocalArtifact } from './runtime.js'
import { InputError } from '../errors.js'

const GLOB_CHARS = /[*?[]/

function globToRegExp(pattern: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]
    if (ch === '*' && pattern[i + 1] === '*') {
      source += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*'
      i += pattern[i + 2] === '/' ? 2 : 1
    } else if (ch === '*') source += '[^/]*'
    else if (ch === '?') source += '[^/]'
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

/** Files matching a glob (`*`, `?`, `**`), relative to cwd unless absolute; sorted. */
export function resolveGlob(pattern: string, cwd = process.cwd()): string[] {
  const absolute = isAbsolute(pattern) ? pattern : join(cwd, pattern)
  if (!GLOB_CHARS.test(pattern)) return existsSync(absolute) && statSync(absolute).isFile() ? [absolute] : []
  const segments = absolute.split('/')
  const firstGlob = segments.findIndex(segment => GLOB_CHARS.test(segment))
  const base = segments.slice(0, firstGlob).join('/') || '/'
  if (!existsSync(base)) return []
  const matcher = globToRegExp(segments.slice(firstGlob).join('/'))
  return (readdirSync(base, { recursive: true }) as string[])
    .filter(entry => matcher.test(entry))
    .map(entry => resolve(base, entry))
    .filter(path => statSync(path).isFile())
    .sort()
}

export async function findJar(pattern: string, cwd = process.cwd()): Promise<LocalArtifact> {
  const matches = resolveGlob(pattern, cwd)
  if (matches.length !== 1) {
    const found = matches.length === 0 ? 'no file' : `${matches.length} files (${matches.map(m => relative(cwd, m)).join(', ')})`
    throw new InputError('jar', pattern, `a path or glob matching exactly one file on the runner, but it matched ${found}`)
  }
  const path = matches[0]
  return { path, sha256: await sha256File(path), size: statSync(path).size }
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
