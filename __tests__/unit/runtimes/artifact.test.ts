import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findJar, jarPatterns } from '../../../src/runtimes/artifact.js'
import { InputError } from '../../../src/errors.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'artifact-'))
  mkdirSync(join(dir, 'build/libs'), { recursive: true })
  mkdirSync(join(dir, 'target'), { recursive: true })
  writeFileSync(join(dir, 'build/libs/app-1.0.jar'), 'jar bytes')
  writeFileSync(join(dir, 'build/libs/app-1.0-plain.jar'), 'plain')
  writeFileSync(join(dir, 'target/api.jar'), 'api')
  writeFileSync(join(dir, 'target/api-sources.jar'), 'sources')
  mkdirSync(join(dir, 'target/dir.jar'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const found = (pattern: string, cwd = dir) => findJar(pattern, cwd).then(jar => jar.path)

describe('findJar', () => {
  it('finds one file by path or glob, with its sha256 and size', async () => {
    const sha = createHash('sha256').update('jar bytes').digest('hex')
    const jar = await findJar('build/libs/app-1.0.jar', dir)
    expect(jar).toEqual({ path: join(dir, 'build/libs/app-1.0.jar'), sha256: sha, size: 9, chunks: expect.any(Promise) })
    // Its chunks, for a delta upload, are computed meanwhile.
    expect(await jar.chunks).toEqual([{ sha256: sha, offset: 0, length: 9 }])
    await expect(found('build/libs/*[0-9].jar')).resolves.toBe(join(dir, 'build/libs/app-1.0.jar'))
    await expect(found('**/api.jar')).resolves.toBe(join(dir, 'target/api.jar'))
  })

  it("leaves out Gradle's plain jar, so build/libs/*.jar after gradle build is the boot jar", async () => {
    await expect(found('build/libs/*.jar')).resolves.toBe(join(dir, 'build/libs/app-1.0.jar'))
    await expect(found(join(dir, 'build/libs/*.jar'), '/')).resolves.toBe(join(dir, 'build/libs/app-1.0.jar'))
  })

  it('takes a plain jar that the pattern names', async () => {
    await expect(found('build/libs/*-plain.jar')).resolves.toBe(join(dir, 'build/libs/app-1.0-plain.jar'))
    await expect(found('build/libs/app-1.0-plain.jar')).resolves.toBe(join(dir, 'build/libs/app-1.0-plain.jar'))
  })

  it('reads one pattern per line, with ! exclusions and # comments, as @actions/glob does', async () => {
    await expect(found('target/*.jar\n!target/*-sources.jar')).resolves.toBe(join(dir, 'target/api.jar'))
    await expect(found('# the boot jar\n**/*.jar\n\n!**/target/**')).resolves.toBe(join(dir, 'build/libs/app-1.0.jar'))
    await expect(found(`${join(dir, 'target')}/*.jar\n!${join(dir, 'target/api.jar')}`, '/')).resolves.toBe(
      join(dir, 'target/api-sources.jar')
    )
  })

  it('names the input, what matched and how to narrow it when the glob matches several files', async () => {
    await expect(findJar('target/*.jar', dir)).rejects.toThrow(
      new InputError(
        'jar',
        'target/*.jar',
        'a path or glob matching exactly one file on the runner, but it matched 2 files (target/api-sources.jar, target/api.jar); ' +
          'narrow it, or exclude the others on lines of their own such as !**/*-sources.jar'
      )
    )
  })

  it('says when nothing matched, and that a plain jar was left out', async () => {
    await expect(findJar('dist/*.jar', dir)).rejects.toThrow(/but it matched no file \(Gradle's \*-plain.jar files are left out/)
    rmSync(join(dir, 'build/libs/app-1.0.jar'))
    await expect(findJar('build/libs/*.jar', dir)).rejects.toThrow(/matched no file \(Gradle's/)
    await expect(findJar('build/libs/*plain.jar\n!**/app-*', dir)).rejects.toThrow(/matched no file\.$/)
  })

  it('never matches a directory', async () => {
    await expect(findJar('target/dir.jar', dir)).rejects.toThrow(/matched no file/)
  })
})

describe('jarPatterns', () => {
  it('makes each line absolute, keeps its !, and adds the plain-jar exclusion last', () => {
    expect(jarPatterns(' build/libs/*.jar \n!**/*-sources.jar\n/abs/x.jar', '/w')).toEqual([
      '/w/build/libs/*.jar',
      '!/w/**/*-sources.jar',
      '/abs/x.jar',
      '!/**/*-plain.jar'
    ])
    expect(jarPatterns('build/libs/*-PLAIN.jar', '/w')).toEqual(['/w/build/libs/*-PLAIN.jar'])
  })
})
