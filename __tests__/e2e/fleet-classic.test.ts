/**
 * The classic setup: nginx on its own host in front of one origin server. The jar goes from the runner to the origin,
 * nginx is switched on its own host; rollback, host keys and the lock work across the two.
 */
import { startFleetLab, type FleetLab } from '../../lab/fleet-lab.mjs'
import { runAction } from '../../lab/run-action.mjs'
import { errorOf } from '../support/failure-lab.js'
import { fleetInputs, includeText, servedVersions, underLoad } from '../support/fleet.js'

let lab: FleetLab
const jars: Record<string, string> = {}

beforeAll(async () => {
  lab = await startFleetLab({ name: 'fleet-classic', appHosts: 1 })
  for (const version of ['v1', 'v2', 'v3', 'v4']) jars[version] = await lab.sampleJar(version)
})
afterAll(() => lab?.stop())

const origin = () => lab.apps[0]

describe('nginx on its own host, one origin server', () => {
  it('deploys to the origin and switches nginx on its host, without losing a request', async () => {
    expect(errorOf((await underLoad(lab, fleetInputs(lab, 'web', { jar: jars.v1 }))).run)).toBe('')
    const run = await underLoad(lab, fleetInputs(lab, 'web', { jar: jars.v2 }))
    expect(errorOf(run.run)).toBe('')
    expect(run.failed).toEqual([])
    expect(await servedVersions(lab)).toEqual(['v2'])
    expect(await includeText(lab)).toMatch(
      new RegExp(`^upstream fleet \\{\\n    server ${origin().address.replace(/\./g, '\\.')}:808[01];\\n\\}\\n$`)
    )
    // The release lives on the origin only; the nginx host keeps the lock, not the app.
    expect((await origin().exec(`ls ${lab.remoteRoot}/web/releases | wc -l`)).stdout.trim()).toBe('2')
    expect((await lab.nginx.exec(`ls -A ${lab.remoteRoot}/web`)).stdout.split('\n').sort().filter(Boolean)).toEqual([
      '.deploy.lock',
      '.deploy.lock.owner'
    ])
  })

  it('rolls back to the previous release from the origin’s record', async () => {
    const run = await underLoad(lab, fleetInputs(lab, 'web', { command: 'rollback' }))
    expect(errorOf(run.run)).toBe('')
    expect(run.failed).toEqual([])
    expect(await servedVersions(lab)).toEqual(['v1'])
    const history = (await origin().exec(`cat ${lab.remoteRoot}/web/history.jsonl`)).stdout.trim().split('\n')
    expect(history.map(line => JSON.parse(line).result)).toEqual(['deployed', 'deployed', 'rolled-back'])
  })

  it('refuses an nginx host whose key does not match, before changing anything', async () => {
    const before = await includeText(lab)
    const inputs = fleetInputs(lab, 'web', { jar: jars.v3 })
    delete inputs['known-hosts']
    const run = await runAction({
      ...inputs,
      'host-fingerprint': origin().hostFingerprint,
      'nginx-host-fingerprint': 'SHA256:' + 'B'.repeat(43)
    })
    expect(run.code).toBe(1)
    expect(errorOf(run)).toContain(lab.nginx.hostFingerprint)
    expect(await includeText(lab)).toBe(before)
    expect(await servedVersions(lab)).toEqual(['v1'])
  })

  it('orders two runs at once by the lock on the nginx host: both deploy, one after the other', async () => {
    const load = underLoad(lab, fleetInputs(lab, 'web', { jar: jars.v3 }))
    const other = runAction(fleetInputs(lab, 'web', { jar: jars.v4 }))
    const [first, second] = [await load, await other]
    expect(errorOf(first.run)).toBe('')
    expect(errorOf(second)).toBe('')
    expect(first.failed).toEqual([])
    const served = await servedVersions(lab)
    expect(served).toHaveLength(1)
    expect(['v3', 'v4']).toContain(served[0])
    const history = (await origin().exec(`cat ${lab.remoteRoot}/web/history.jsonl`)).stdout.trim().split('\n')
    expect(history.slice(-2).map(line => JSON.parse(line).result)).toEqual(['deployed', 'deployed'])
  })
})
