/**
 * Previews against the real lab: the instance lock is honoured by preview-destroy and its lock file is
 * never unlinked; previews get preview-env, not production's env; pull requests from forks are refused.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startLab, type Lab } from '../../lab/lab.mjs'
import type { ActionRun } from '../../lab/run-action.mjs'
import { previewInputs, runOnPullRequest, viaHost } from '../support/preview-lab.js'

const PORTS = '21200-21209'
let lab: Lab
const jars: Record<string, string> = {}

beforeAll(async () => {
  lab = await startLab({ name: 'preview-safety' })
  for (const version of ['pr5-a', 'pr6-a', 'pr6-b', 'pr7-a']) jars[version] = await lab.sampleJar(version)
})
afterAll(() => lab?.stop())

function preview(
  number: number,
  jar: string,
  overrides: Record<string, string> = {},
  headRepo?: string,
  when?: RegExp,
  run?: () => unknown
): Promise<ActionRun> {
  const inputs = previewInputs(lab, PORTS, { jar: jars[jar], 'preview-max': '10', 'preview-env': 'BOOT_DELAY_MS=300', ...overrides })
  return runOnPullRequest(number, inputs, { headRepo, interrupt: when && run ? { when, run } : undefined })
}

function destroy(number: number): Promise<ActionRun> {
  return runOnPullRequest(number, previewInputs(lab, PORTS, { command: 'preview-destroy' }))
}

/** Every `.deploy.lock` file under the lab's remote root, with its inode. */
function lockFiles(): Map<string, number> {
  const entries = readdirSync(lab.remoteRoot, { recursive: true, encoding: 'utf8' }).filter(
    name => name.endsWith('/.deploy.lock') || name === '.deploy.lock'
  )
  return new Map(entries.map(name => [join(lab.remoteRoot, name), statSync(join(lab.remoteRoot, name)).ino]))
}

function inodeOf(file: string): number | null {
  try {
    return statSync(file).ino
  } catch {
    return null
  }
}

/** Checks, until stopped, that each lock file keeps its inode (it is never unlinked, nor replaced). */
function watchLocks(locks: Map<string, number>): { stop(): Promise<string[]> } {
  let running = true
  const violations = new Set<string>()
  const loop = (async () => {
    while (running) {
      for (const [file, ino] of locks) if (inodeOf(file) !== ino) violations.add(file)
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  })()
  return { stop: async () => ((running = false), await loop, [...violations]) }
}

async function ls(dir: string): Promise<string[]> {
  return (await lab.sshExec(`ls -A ${dir}`)).stdout.split('\n').filter(Boolean)
}

describe('preview safety', () => {
  it('preview-destroy waits for a deploy of that preview in progress, and never unlinks a lock file', async () => {
    let destroying: Promise<ActionRun & { endedAt: number }> | undefined
    let watch: ReturnType<typeof watchLocks> | undefined
    // Once the slow new version is starting (the deploy holds its lock), the pull request is closed.
    const startDestroy = () => {
      watch = watchLocks(lockFiles())
      destroying = destroy(5).then(run => ({ ...run, endedAt: Date.now() }))
    }
    const slow = 'BOOT_DELAY_MS=4000'
    const deployed = await preview(5, 'pr5-a', { 'preview-env': slow, env: slow }, undefined, /::group::Health check/, startDestroy)
    const deployEndedAt = Date.now()
    const violations = await watch!.stop()
    const destroyed = await destroying!
    expect(deployed.stdout).not.toContain('::error::')
    expect(deployed.outputs.result).toBe('deployed')
    expect(destroyed.stdout).not.toContain('::error::')
    expect(destroyed.endedAt).toBeGreaterThan(deployEndedAt)
    expect(violations).toEqual([])
    expect(await ls(lab.nginxSitesDir)).not.toContain('shop-pr-5.conf')
    expect(await ls(lab.remoteRoot)).not.toContain('shop-pr-5')
    expect((await viaHost(lab, 'pr-5.preview.test', '/version')).body).not.toBe('pr5-a')
  })

  it("gives a preview preview-env and not production's env, unless preview-inherit-env is set", async () => {
    const env = 'PROD_SECRET=prod-secret-value'
    const first = await preview(6, 'pr6-a', { env, 'preview-env': 'BOOT_DELAY_MS=300\nPREVIEW_ONLY=preview-value' })
    expect(first.outputs.result).toBe('deployed')
    expect(first.stdout).toContain('::add-mask::preview-value')
    expect(await viaHost(lab, 'pr-6.preview.test', '/env/PREVIEW_ONLY')).toEqual({ status: 200, body: 'preview-value' })
    expect((await viaHost(lab, 'pr-6.preview.test', '/env/PROD_SECRET')).status).toBe(404)

    const second = await preview(6, 'pr6-b', { env, 'preview-env': 'PREVIEW_ONLY=preview-value', 'preview-inherit-env': 'true' })
    expect(second.outputs.result).toBe('deployed')
    expect(await viaHost(lab, 'pr-6.preview.test', '/env/PROD_SECRET')).toEqual({ status: 200, body: 'prod-secret-value' })
    expect(await viaHost(lab, 'pr-6.preview.test', '/env/PREVIEW_ONLY')).toEqual({ status: 200, body: 'preview-value' })
  })

  it('refuses a pull request from a fork, changing nothing, unless preview-allow-forks is set', async () => {
    const registryBefore = (await lab.sshExec(`cat ${lab.remoteRoot}/shop/previews.json`)).stdout
    const refused = await preview(7, 'pr7-a', {}, 'mallory/shop')
    expect(refused.outputs.result).toBe('failed')
    expect(refused.stdout).toMatch(/::error::.*fork mallory\/shop/)
    expect(refused.stdout).toContain('Nothing was changed on the server')
    expect(refused.stdout).toMatch(/preview-allow-forks/)
    expect((await lab.sshExec(`cat ${lab.remoteRoot}/shop/previews.json`)).stdout).toBe(registryBefore)
    expect(await ls(lab.nginxSitesDir)).not.toContain('shop-pr-7.conf')
    expect(await ls(lab.remoteRoot)).not.toContain('shop-pr-7')

    const allowed = await preview(7, 'pr7-a', { 'preview-allow-forks': 'true' }, 'mallory/shop')
    expect(allowed.outputs.result).toBe('deployed')
    expect(await viaHost(lab, 'pr-7.preview.test', '/version')).toEqual({ status: 200, body: 'pr7-a' })
  })
})
