import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findJar } from '../../../src/runtimes/artifact.js'
import { InputError } from '../../../src/errors.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'artifact-'))
  mkdirSync(join(dir, 'build/libs'), { recursive: true })
  mkdirSync(join(dir, 'target'), { recursive: true })
  writeFileSync(join(dir, 'build/libs/app-1.0.jar'), 'jar bytes')
  writeFileSync(join(dir, 'build/libs/app-1.0-plain.jar'), 'plain')
  writeFileSync(join(dir, 'target/api.jar'), 'api')
  mkdirSync(join(dir, 'target/dir.jar'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('findJar', () => {
  it('finds one file by path or glob, with its sha256 and size', async () => {
    const sha = createHash('sha256').update('jar bytes').digest('hex')
    const found = await findJar('build/libs/app-1.0.jar', dir)
    expect(found).toEqual({ path: join(dir, 'build/libs/app-1.0.jar'), sha256: sha, size: 9, chunks: expect.any(Promise) })
    // Its chunks, for a delta upload, are computed meanwhile.
    expect(await found.chunks).toEqual([{ sha256: sha, offset: 0, length: 9 }])
    await expect(findJar('build/libs/*[0-9].jar', dir)).resolves.toMatchObject({ path: join(dir, 'build/libs/app-1.0.jar') })
    await expect(findJar('**/api.jar', dir)).resolves.toMatchObject({ path: join(dir, 'target/api.jar') })
    await expect(findJar(join(dir, 'target/*.jar'), '/')).resolves.toMatchObject({ path: join(dir, 'target/api.jar') })
  })

  it('names the input and what matched when the glob matches no file or several', async () => {
    await expect(findJar('build/libs/*.jar', dir)).rejects.toThrow(
      new InputError(
        'jar',
        'build/libs/*.jar',
        'a path or glob matching exactly one file on the runner, but it matched 2 files (build/libs/app-1.0-plain.jar, build/libs/app-1.0.jar)'
      )
    )
    await expect(findJar('dist/*.jar', dir)).rejects.toThrow(/but it matched no file/)
  })

  it('never matches a directory, and takes a pattern as one pattern', async () => {
    await expect(findJar('target/dir.jar', dir)).rejects.toThrow(/matched no file/)
    await expect(findJar('target/api.jar\nbuild/libs/app-1.0.jar', dir)).rejects.toThrow(/one path or glob, on one line/)
    await expect(findJar('!target/api.jar', dir)).rejects.toThrow(/matched no file/)
  })
})
