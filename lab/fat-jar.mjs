// A jar shaped like a Spring Boot fat jar, for the benchmark and the delta-upload tests: the sample
// app's classes, one "application class" whose bytes follow `change`, and BOOT-INF/lib holding
// library jars stored uncompressed in the outer jar (as Spring Boot stores them). Library bytes
// depend only on their name, so two builds that differ in `change` differ in one class.
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { compileSampleApp, repoRoot } from './sample-app.mjs'

const execFileAsync = promisify(execFile)
const LIB_MB = 1
const DATE = '--date=2020-01-01T00:00:00Z'

/**
 * Deterministic incompressible bytes for `seed` (what compressed classes inside a library look like).
 * @param {string} seed @param {number} size @returns {Buffer}
 */
export function bytesFor(seed, size) {
  const out = Buffer.alloc(size)
  for (let offset = 0, block = 0; offset < size; block += 1) {
    offset += createHash('sha256').update(`${seed}/${block}`).digest().copy(out, offset)
  }
  return out
}

async function jar(args) {
  await execFileAsync('jar', args, { maxBuffer: 16 * 1024 * 1024 })
}

/** Libraries depend only on their name: built once per machine and copied into each fat jar. */
const libraryCache = path.join(repoRoot, '.lab', 'build', 'fat-libs')

async function cachedLibrary(name) {
  const file = path.join(libraryCache, `${name}.jar`)
  try {
    await fs.access(file)
    return file
  } catch {
    const dir = path.join(libraryCache, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
    await buildLibrary(name, dir)
    await fs.rename(path.join(dir, 'BOOT-INF', 'lib', `${name}.jar`), file)
    await fs.rm(dir, { recursive: true, force: true })
    return file
  }
}

async function buildLibrary(name, dir) {
  await fs.mkdir(path.join(dir, 'BOOT-INF', 'lib'), { recursive: true })
  const content = path.join(dir, `${name}-content`)
  await fs.mkdir(path.join(content, 'lib', name), { recursive: true })
  for (let i = 0; i < 8; i += 1) {
    await fs.writeFile(path.join(content, 'lib', name, `Part${i}.class`), bytesFor(`${name}/${i}`, (LIB_MB * 1024 * 1024) / 8))
  }
  const file = path.join(dir, 'BOOT-INF', 'lib', `${name}.jar`)
  await jar(['--create', '--file', file, DATE, '-C', content, '.'])
  await fs.rm(content, { recursive: true, force: true })
}

/**
 * Builds `outDir/fat-<version>.jar`: about `sizeMb` MB. `change` names the one class that differs
 * between builds (default: the version).
 * @param {string} version @param {string} outDir @param {{ sizeMb?: number, change?: string }} [options]
 * @returns {Promise<string>} the jar's path
 */
export async function buildFatJar(version, outDir, options = {}) {
  if (!/^[A-Za-z0-9._-]+$/.test(version)) throw new Error(`invalid fat jar version: ${version}`)
  const sizeMb = options.sizeMb ?? 60
  const classes = await compileSampleApp()
  const out = path.resolve(outDir)
  const work = path.join(out, `.fat-${version}-${process.pid}-${randomBytes(4).toString('hex')}`)
  await fs.mkdir(path.join(work, 'BOOT-INF', 'lib'), { recursive: true })
  await fs.mkdir(path.join(work, 'BOOT-INF', 'classes', 'app'), { recursive: true })
  try {
    await fs.mkdir(libraryCache, { recursive: true })
    for (let i = 0; i < Math.max(1, Math.round(sizeMb / LIB_MB)); i += 1) {
      await fs.copyFile(await cachedLibrary(`library-${i}`), path.join(work, 'BOOT-INF', 'lib', `library-${i}.jar`))
    }
    const changed = bytesFor(`app/${options.change ?? version}`, 6000)
    await fs.writeFile(path.join(work, 'BOOT-INF', 'classes', 'app', 'Service.class'), changed)
    await fs.writeFile(path.join(work, 'version.txt'), `${version}\n`)
    const file = path.join(work, 'fat.jar')
    await jar(['--create', '--file', file, DATE, '--main-class', 'SampleApp', '-C', classes, '.', '-C', work, 'version.txt'])
    await jar(['--update', '--file', file, DATE, '-C', work, 'BOOT-INF/classes'])
    await jar(['--update', '--no-compress', '--file', file, DATE, '-C', work, 'BOOT-INF/lib'])
    const jarPath = path.join(out, `fat-${version}.jar`)
    await fs.rename(file, jarPath)
    return jarPath
  } finally {
    await fs.rm(work, { recursive: true, force: true })
  }
}
