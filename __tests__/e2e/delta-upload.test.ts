/**
 * Delta uploads through the lab's WAN link: a release that differs in one class sends only its changed chunks,
 * the server rebuilds a byte-identical jar, a damaged earlier release falls back to a full upload, and no
 * request is lost. The tests run in order against one server, like successive deploys of one app.
 */
import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startLoad, TEST_LOAD } from '../../bench/load.mjs'
import { buildFatJar } from '../../lab/fat-jar.mjs'
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction, type ActionRun } from '../../lab/run-action.mjs'

let lab: Lab
const jars: Record<string, string> = {}

beforeAll(async () => {
  lab = await startLab({ name: 'delta-upload', wan: {} })
  for (const version of ['v1', 'v2', 'v3', 'v4', 'v5']) jars[version] = await buildFatJar(version, join(lab.dir, 'jars'), { sizeMb: 8 })
})
afterAll(() => lab?.stop())

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const releaseDir = (version: string) => `${lab.remoteRoot}/shop/releases/${sha256(jars[version]).slice(0, 16)}`

async function deploy(version: string): Promise<ActionRun> {
  const run = await runAction({ ...labInputs(lab, 'shop'), jar: jars[version], 'drain-timeout': '5s', 'stop-timeout': '5s' })
  expect(run.stdout).not.toContain('::error::')
  expect(run.outputs.result).toBe('deployed')
  return run
}

/** The sha256 of the release's jar as the server computes it, and whether its chunk index is there. */
async function onServer(version: string): Promise<{ sha256: string; index: boolean }> {
  const dir = releaseDir(version)
  const sum = await lab.sshExec(`sha256sum ${dir}/app.jar`)
  const index = await lab.sshExec(`head -n 1 ${dir}/app.jar.chunks`)
  return { sha256: sum.stdout.split(' ')[0], index: index.stdout.startsWith(`bluegreen-chunks 1 ${sha256(jars[version])} `) }
}

async function served(): Promise<string> {
  return (await lab.httpGet(`${lab.nginxUrl}/version`)).body.trim()
}

function uploadNote(run: ActionRun): string {
  return /Upload release<\/td><td>[^<]*<\/td><td>[^<]*<\/td><td>([^<]*)</.exec(run.summary)?.[1] ?? ''
}

describe('delta upload', () => {
  it('sends the whole jar first, with its chunk index beside it', async () => {
    const run = await deploy('v1')
    expect(run.stdout).toContain('No earlier release with a chunk index on the server: uploading the whole jar.')
    expect(run.outputs['upload-bytes']).toBe(String(statSync(jars.v1).size))
    expect(await onServer('v1')).toEqual({ sha256: sha256(jars.v1), index: true })
    expect(await served()).toBe('v1')
  })

  it('sends only the changed chunks of a one-class change, and the server rebuilds a byte-identical jar', async () => {
    const run = await deploy('v2')
    const size = statSync(jars.v2).size
    expect(Number(run.outputs['upload-bytes'])).toBeGreaterThan(0)
    expect(Number(run.outputs['upload-bytes'])).toBeLessThan(size / 4)
    expect(uploadNote(run)).toMatch(/^delta: \d+ KiB of \d+\.\d MiB sent \(\d+\.\d%\) in \d+\.\d\d s, sha256 verified$/)
    expect(await onServer('v2')).toEqual({ sha256: sha256(jars.v2), index: true })
    expect(await served()).toBe('v2')
  })

  it("falls back to a full upload when the earlier release's jar was damaged on the server", async () => {
    const size = statSync(jars.v2).size
    const damage = await lab.sshExec(`printf 'damaged' | dd of=${releaseDir('v2')}/app.jar bs=1 seek=${Math.floor(size / 2)} conv=notrunc`)
    expect(damage.code).toBe(0)
    const run = await deploy('v3')
    expect(run.stdout).toMatch(
      /Delta upload on release [0-9a-f]{16} not used: the rebuilt jar's sha256 is [0-9a-f]{64}, not [0-9a-f]{64} .*; uploading the whole jar\./
    )
    expect(run.outputs['upload-bytes']).toBe(String(statSync(jars.v3).size))
    expect(uploadNote(run)).toMatch(/^\d+\.\d MiB in \d+\.\d\d s, sha256 verified; delta upload not used: the rebuilt jar&#39;s sha256 is /)
    expect(await onServer('v3')).toEqual({ sha256: sha256(jars.v3), index: true })
    expect((await lab.sshExec(`ls ${releaseDir('v3')}`)).stdout.split('\n').sort()).toEqual(['', 'app.jar', 'app.jar.chunks', 'sha256'])
    expect(await served()).toBe('v3')
  })

  it("falls back to a full upload when the earlier release's chunk index was damaged", async () => {
    expect((await lab.sshExec(`sed -i 5d ${releaseDir('v3')}/app.jar.chunks`)).code).toBe(0)
    const run = await deploy('v4')
    expect(run.stdout).toContain('not used: its chunk index is unreadable (line 5 is not the next chunk); uploading the whole jar.')
    expect(run.outputs['upload-bytes']).toBe(String(statSync(jars.v4).size))
    expect(await onServer('v4')).toEqual({ sha256: sha256(jars.v4), index: true })
    expect(await served()).toBe('v4')
  })

  it('loses no request while a delta upload deploys through the WAN link', async () => {
    const load = startLoad(lab.nginxUrl, TEST_LOAD)
    const run = await deploy('v5')
    const samples = await load.stop()
    expect(uploadNote(run)).toMatch(/^delta: /)
    expect(samples.filter(sample => sample.status !== 200)).toEqual([])
    expect(samples.some(sample => sample.version === 'v5')).toBe(true)
    expect(await onServer('v5')).toEqual({ sha256: sha256(jars.v5), index: true })
    expect(await served()).toBe('v5')
  })
})
