/**
 * Pull-request previews end to end: real sshd and nginx from the lab, the bundled action, and GitHub's
 * REST API played by a local server that checks every request.
 */
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'
import { FakeGitHub } from '../support/fake-github.js'
import { prEvent, previewInputs, runOnPullRequest, viaHost as viaLabHost } from '../support/preview-lab.js'

const PORTS = '21000-21009'
let lab: Lab
let gh: FakeGitHub
let apiUrl: string
const jars: Record<string, string> = {}

beforeAll(async () => {
  lab = await startLab({ name: 'preview' })
  for (const version of ['pr1-a', 'pr1-b', 'pr2-a', 'pr3-a']) jars[version] = await lab.sampleJar(version)
  gh = new FakeGitHub('acme/shop', { 'write-token': 'write', 'fork-token': 'read' })
  apiUrl = await gh.start()
})
afterAll(async () => {
  await gh?.close()
  await lab?.stop()
})

function preview(number: number, jar: string, overrides: Record<string, string> = {}) {
  return runOnPullRequest(
    number,
    previewInputs(lab, PORTS, {
      jar: jars[jar],
      'preview-max': '2',
      'github-token': 'write-token',
      'preview-env': 'BOOT_DELAY_MS=300\nGRACEFUL=false',
      ...overrides
    }),
    { apiUrl }
  )
}

function viaHost(host: string, path: string): Promise<{ status: number; body: string }> {
  return viaLabHost(lab, host, path)
}

/**
 * The answer for a host once nginx has settled: two previews reloading nginx at the same moment can leave
 * a retiring worker with the older configuration accepting a request or two (nginx reloads asynchronously).
 */
async function settled(host: string, expected: string): Promise<{ status: number; body: string }> {
  let answer = await viaHost(host, '/version')
  for (let i = 0; i < 50 && answer.body !== expected; i++) {
    await new Promise(resolve => setTimeout(resolve, 100))
    answer = await viaHost(host, '/version')
  }
  return answer
}

/** Requests a preview back to back until stopped; returns the failures. */
function hammer(host: string): { stop(): Promise<number[]> } {
  let running = true
  const failures: number[] = []
  const loop = (async () => {
    while (running) {
      const { status } = await viaHost(host, '/version')
      if (status !== 200) failures.push(status)
    }
  })()
  return { stop: async () => ((running = false), await loop, failures) }
}

describe('previews', () => {
  it('previews two pull requests at once, each at its own host name', async () => {
    const [one, two] = await Promise.all([preview(1, 'pr1-a'), preview(2, 'pr2-a')])
    for (const run of [one, two]) expect(run.stdout).not.toContain('::error::')
    expect(one.outputs).toMatchObject({ result: 'deployed', 'preview-url': `http://pr-1.preview.test:${lab.nginxPort}` })
    expect(Number(one.outputs['preview-port'])).toBeGreaterThanOrEqual(21000)
    expect(one.outputs['preview-port']).not.toBe(two.outputs['preview-port'])
    expect(await settled('pr-1.preview.test', 'pr1-a')).toEqual({ status: 200, body: 'pr1-a' })
    expect(await settled('pr-2.preview.test', 'pr2-a')).toEqual({ status: 200, body: 'pr2-a' })
    // GitHub: a transient deployment per PR, in_progress then success with the URL, and one comment each
    expect(gh.deployments.map(d => [d.environment, d.ref, d.transient_environment]).sort()).toEqual([
      ['pr-1', 'sha-of-pr-1', true],
      ['pr-2', 'sha-of-pr-2', true]
    ])
    const pr1 = gh.deployments.find(d => d.environment === 'pr-1')!
    expect(gh.statuses.filter(s => s.deployment_id === pr1.id).map(s => s.state)).toEqual(['in_progress', 'success'])
    expect(gh.statuses.find(s => s.deployment_id === pr1.id && s.state === 'success')?.environment_url).toBe(one.outputs['preview-url'])
    expect(gh.comments.filter(c => c.issue === 1)).toHaveLength(1)
    expect(gh.comments.find(c => c.issue === 1)?.body).toMatch(/Preview of shop for #1[\s\S]*pr-1\.preview\.test[\s\S]*healthy/)
    expect(gh.requests.filter(r => r.status >= 400)).toEqual([])
  })

  it('a second push to a pull request goes blue/green, with no failed request', async () => {
    const load = hammer('pr-1.preview.test')
    const run = await preview(1, 'pr1-b')
    const failures = await load.stop()
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'green', 'previous-color': 'blue' })
    expect(failures).toEqual([])
    expect(await viaHost('pr-1.preview.test', '/version')).toEqual({ status: 200, body: 'pr1-b' })
    expect(gh.comments.filter(c => c.issue === 1)).toHaveLength(1) // edited, not added
  })

  it('enforces preview-max, listing the live previews', async () => {
    const run = await preview(3, 'pr3-a')
    expect(run.outputs.result).toBe('failed')
    expect(run.stdout).toMatch(/::error::2 previews are live already \(preview-max 2\): #\d, #\d\./)
    expect(await viaHost('pr-3.preview.test', '/version')).not.toEqual({ status: 200, body: 'pr3-a' })
  })

  it('preview-destroy removes everything of one preview while the other keeps serving', async () => {
    const load = hammer('pr-1.preview.test')
    const run = await runAction(
      { ...labInputs(lab, 'shop'), command: 'preview-destroy', 'preview-nginx-dir': lab.nginxSitesDir, 'github-token': 'write-token' },
      { extraEnv: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: prEvent(2), GITHUB_API_URL: apiUrl } }
    )
    expect(await load.stop()).toEqual([])
    expect(run.stdout).not.toContain('::error::')
    expect((await lab.sshExec(`ls ${lab.nginxSitesDir}`)).stdout.trim()).toBe('shop-pr-1.conf')
    expect((await lab.sshExec(`ls -d ${lab.remoteRoot}/shop-pr-2 2>&1`)).code).not.toBe(0)
    expect((await viaHost('pr-2.preview.test', '/version')).body).not.toBe('pr2-a')
    expect(await viaHost('pr-1.preview.test', '/version')).toEqual({ status: 200, body: 'pr1-b' })
    const pr2 = gh.deployments.find(d => d.environment === 'pr-2')!
    expect(gh.statuses.filter(s => s.deployment_id === pr2.id).at(-1)?.state).toBe('inactive')
    expect(gh.comments.find(c => c.issue === 2)?.body).toMatch(/destroyed/)
  })

  it('evicts the oldest preview when full and preview-evict is set', async () => {
    const run = await preview(3, 'pr3-a', { 'preview-max': '1', 'preview-evict': 'true' })
    expect(run.outputs.result).toBe('deployed')
    // Eviction and the switch reload nginx back to back: a retiring worker may still answer once.
    expect(await settled('pr-3.preview.test', 'pr3-a')).toEqual({ status: 200, body: 'pr3-a' })
    expect((await viaHost('pr-1.preview.test', '/version')).body).not.toBe('pr1-b')
    expect((await lab.sshExec(`ls ${lab.nginxSitesDir}`)).stdout.trim()).toBe('shop-pr-3.conf')
  })

  it("with a fork's read-only token, previews still work and say why GitHub was not updated", async () => {
    const run = await preview(3, 'pr3-a', { 'github-token': 'fork-token' })
    expect(run.outputs.result).toBe('deployed')
    expect(run.stdout).toMatch(/::warning::Could not create the deployment on GitHub \(403\): the github-token may not do this here/)
    expect(run.stdout).toContain('a pull request from a fork gets a read-only token')
  })
})
