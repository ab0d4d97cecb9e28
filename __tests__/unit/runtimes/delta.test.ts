import { createHash } from 'node:crypto'
import { bytesFor as bytes } from '../../../lab/fat-jar.mjs'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deltaHeader, formatIndex, planDelta } from '../../../src/runtimes/chunk-index.js'
import { chunkBuffer } from '../../../src/runtimes/chunker.js'
import { parsePrepared, ReleaseUpload, type DeltaBase } from '../../../src/runtimes/delta.js'
import { JarRuntime } from '../../../src/runtimes/jar.js'
import { layoutOf } from '../../../src/server/layout.js'
import { readSettings } from '../../../src/settings/settings.js'
import { FakeRemote, fail, ok } from '../../support/fake-remote.js'

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const old = bytes('old', 2_000_000)
const next = Buffer.concat([old.subarray(0, 1_000_000), bytes('new class', 3000), old.subarray(1_002_000)])
const oldIndex = formatIndex({ sha256: sha(old), size: old.length, chunks: chunkBuffer(old) })
const nextIndex = formatIndex({ sha256: sha(next), size: next.length, chunks: chunkBuffer(next) })
const layout = layoutOf('app')
const base: DeltaBase = { name: layout.releaseName(sha(old)), sha256: sha(old), index: oldIndex }
const newJar = `app/releases/${layout.releaseName(sha(next))}/app.jar`
const oldJar = `app/releases/${base.name}/app.jar`

let dir: string
let jarPath: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'delta-upload-'))
  jarPath = join(dir, 'app.jar')
  writeFileSync(jarPath, next)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function upload(remote: FakeRemote) {
  const lines: string[] = []
  const artifact = { path: jarPath, sha256: sha(next), size: next.length }
  return { lines, upload: new ReleaseUpload(remote, artifact, layout, line => lines.push(line)) }
}

describe('parsePrepared', () => {
  it('reads the sha256 of a jar already there, or the base for a delta', () => {
    expect(parsePrepared(`${'a'.repeat(64)}\n`)).toEqual({ existing: 'a'.repeat(64), base: null })
    expect(parsePrepared('\n')).toEqual({ existing: '', base: null })
    expect(parsePrepared('\n== delta-base 0123456789abcdef\nsha\nline 1\nline 2\n')).toEqual({
      existing: '',
      base: { name: '0123456789abcdef', sha256: 'sha', index: 'line 1\nline 2\n' }
    })
  })
})

describe('ReleaseUpload', () => {
  it("sends the header and the chunks the base lacks, and the server's rebuild verifies them", async () => {
    const remote = new FakeRemote().on('rebuild jar from delta', ok(''))
    const { upload: release, lines } = upload(remote)
    const note = await release.delta(base)
    const plan = planDelta(chunkBuffer(next), chunkBuffer(old))
    const sent = Buffer.concat([deltaHeader(plan, nextIndex), ...plan.literals.map(r => next.subarray(r.offset, r.offset + r.length))])
    expect(remote.streams).toHaveLength(1)
    expect(remote.streams[0].data.equals(sent)).toBe(true)
    expect(remote.streams[0].command.argv.slice(-3)).toEqual([oldJar, newJar, sha(next)])
    expect(remote.uploads).toEqual([])
    expect(release.sentBytes).toBe(sent.length)
    expect(sent.length).toBeLessThan(next.length / 10)
    expect(note).toMatch(/^delta: \d+ KiB of 1\.9 MiB sent \(\d\.\d%\) in \d+\.\d\d s, sha256 verified$/)
    expect(lines).toEqual([])
  })

  it('says why and sends the whole jar with its index when the rebuild fails on the server', async () => {
    const remote = new FakeRemote()
      .on('rebuild jar from delta', fail(3, "the rebuilt jar's sha256 is 00, not 11 (the earlier release's jar or index differs)\n"))
      .on('upload and verify', ok(''))
    const { upload: release, lines } = upload(remote)
    expect(await release.delta(base)).toBeNull()
    expect(lines).toEqual([
      `Delta upload on release ${base.name} not used: the rebuilt jar's sha256 is 00, not 11 ` +
        "(the earlier release's jar or index differs); uploading the whole jar."
    ])
    expect((await release.full()).code).toBe(0)
    expect(remote.uploads.map(u => [u.localPath, u.command.label])).toEqual([[jarPath, 'upload and verify']])
    expect(remote.commands.find(c => c.label === 'write chunk index')).toMatchObject({
      argv: expect.arrayContaining([`${newJar}.chunks`]),
      stdin: nextIndex
    })
    expect(release.sentBytes).toBe(next.length)
    expect(release.fallback).toBe(
      "; delta upload not used: the rebuilt jar's sha256 is 00, not 11 (the earlier release's jar or index differs)"
    )
    expect(release.indexProblem).toBe('')
  })

  it.each([
    ['an unreadable index', { ...base, index: 'garbage\n' }, 'its chunk index is unreadable (its first line is not a chunk index header)'],
    ["another jar's index", { ...base, sha256: 'f'.repeat(64) }, 'its chunk index describes another jar'],
    ['a directory named after another jar', { ...base, name: 'ffffffffffffffff' }, 'its chunk index describes another jar'],
    [
      'an unrelated jar',
      { ...base, index: formatIndex({ sha256: sha(old), size: old.length, chunks: chunkBuffer(bytes('other', old.length)) }) },
      '100.0% of the jar changed'
    ]
  ])('sends no delta on %s', async (_name, given, why) => {
    const remote = new FakeRemote()
    const { upload: release, lines } = upload(remote)
    expect(await release.delta(given)).toBeNull()
    expect(remote.streams).toEqual([])
    expect(lines).toEqual([`Delta upload on release ${given.name} not used: ${why}; uploading the whole jar.`])
  })

  it('says so when there is no earlier release to build on', async () => {
    const { upload: release, lines } = upload(new FakeRemote())
    expect(await release.delta(null)).toBeNull()
    expect(lines).toEqual(['No earlier release with a chunk index on the server: uploading the whole jar.'])
    expect(release.fallback).toBe('')
  })

  it('says in the note when the index could not be written, since the next deploy then sends the whole jar', async () => {
    const remote = new FakeRemote().on('write chunk index', fail(1, 'No space left on device\n'))
    const { upload: release } = upload(remote)
    expect((await release.full()).code).toBe(0)
    expect(release.indexProblem).toBe('; chunk index not written (No space left on device), so the next deploy uploads the whole jar')
  })
})

describe('JarRuntime.prepare', () => {
  const settings = readSettings(name => ({ host: 'srv', username: 'u', password: 'p', jar: 'x.jar', 'app-name': 'api' })[name] ?? '')
  const apiLayout = layoutOf(settings.remoteDir)

  it('reads the base in the prepare command and sends a delta, one command after it', async () => {
    const remote = new FakeRemote()
      .on('prepare release directory', ok(`\n== delta-base ${base.name}\n${sha(old)}\n${oldIndex}`))
      .on('rebuild jar from delta', ok(''))
    const runtime = new JarRuntime(settings, remote, { path: jarPath, sha256: sha(next), size: next.length })
    expect(await runtime.prepare()).toMatch(/^delta: /)
    expect(remote.labels()).toEqual(['prepare release directory', 'rebuild jar from delta'])
    expect(remote.streams[0].command.argv.slice(-3)).toEqual([apiLayout.jarPath(sha(old)), apiLayout.jarPath(sha(next)), sha(next)])
    expect(runtime.sentBytes).toBe(remote.streams[0].data.length)
  })

  it('sends nothing when the jar is already there', async () => {
    const remote = new FakeRemote().on('prepare release directory', ok(`${sha(next)}\n`))
    const runtime = new JarRuntime(settings, remote, { path: jarPath, sha256: sha(next), size: next.length })
    expect(await runtime.prepare()).toBe('already on the server, not uploaded again')
    expect(runtime.sentBytes).toBe(0)
    expect(remote.labels()).toEqual(['prepare release directory'])
  })
})
