// Builds the sample Java app into per-version jars for the lab, tests and demo.
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/** Repository root (the parent of lab/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** The Java source of the sample app. */
export const sampleSource = path.join(repoRoot, 'lab', 'sample-app', 'SampleApp.java')
/** Cache of compiled classes, one subdirectory per source hash. */
export const classesCacheDir = path.join(repoRoot, '.lab', 'build', 'classes')

/**
 * @param {string} file
 * @param {string[]} args
 * @param {import('node:child_process').ExecFileOptions} [options]
 */
async function run(file, args, options = {}) {
  try {
    return await execFileAsync(file, args, { maxBuffer: 16 * 1024 * 1024, ...options })
  } catch (err) {
    const e = /** @type {any} */ (err)
    throw new Error(`${file} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`)
  }
}

/**
 * Compiles SampleApp.java once per source content. Concurrent callers (jest workers)
 * each compile into a private temp dir and rename it into place; the loser discards its copy.
 * @returns {Promise<string>} absolute path of the directory holding SampleApp.class
 */
export async function compileSampleApp() {
  const source = await fs.readFile(sampleSource)
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16)
  const finalDir = path.join(classesCacheDir, hash)
  if (await exists(path.join(finalDir, 'SampleApp.class'))) return finalDir

  await fs.mkdir(classesCacheDir, { recursive: true })
  const tmpDir = path.join(classesCacheDir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
  await fs.mkdir(tmpDir, { recursive: true })
  try {
    await run('javac', ['--release', '17', '-nowarn', '-d', tmpDir, sampleSource])
    try {
      await fs.rename(tmpDir, finalDir)
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err
    }
  } finally {
    await fs.rm(tmpDir, { recursive: true, force: true })
  }
  return finalDir
}

/**
 * Builds `outDir/sample-app-<version>.jar`, whose embedded version.txt makes each
 * version's bytes (and sha256) different. The same version always gives the same bytes.
 * @param {string} version e.g. 'v1'
 * @param {string} outDir directory for the jar (created if missing)
 * @returns {Promise<string>} absolute path of the jar
 */
export async function buildSampleJar(version, outDir) {
  if (!/^[A-Za-z0-9._-]+$/.test(version)) throw new Error(`invalid sample app version: ${version}`)
  const classesDir = await compileSampleApp()
  const out = path.resolve(outDir)
  await fs.mkdir(out, { recursive: true })
  const jarPath = path.join(out, `sample-app-${version}.jar`)

  const work = path.join(out, `.build-${version}-${process.pid}-${randomBytes(4).toString('hex')}`)
  await fs.mkdir(work, { recursive: true })
  try {
    const resources = path.join(work, 'res')
    await fs.mkdir(resources)
    await fs.writeFile(path.join(resources, 'version.txt'), `${version}\n`)
    const tmpJar = path.join(work, 'app.jar')
    await run('jar', [
      '--create',
      '--file',
      tmpJar,
      '--main-class',
      'SampleApp',
      '--date=2020-01-01T00:00:00Z',
      '-C',
      classesDir,
      '.',
      '-C',
      resources,
      'version.txt'
    ])
    await fs.chmod(tmpJar, 0o644)
    await fs.rename(tmpJar, jarPath)
  } finally {
    await fs.rm(work, { recursive: true, force: true })
  }
  return jarPath
}

/** @param {string} p */
async function exists(p) {
  try {
    await fs.access(p)
    return true
  } catch {
    return false
  }
}
