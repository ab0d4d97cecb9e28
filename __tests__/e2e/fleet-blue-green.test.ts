/** Blue/green across three app hosts behind nginx on its own host (the fleet lab's namespaces), under load. */
import { startFleetLab, type FleetLab } from '../../lab/fleet-lab.mjs'
import { errorOf } from '../support/failure-lab.js'
import { fleetInputs, includeText, servedVersions, underLoad, versionOn } from '../support/fleet.js'

let lab: FleetLab
const jars: Record<string, string> = {}

beforeAll(async () => {
  lab = await startFleetLab({ name: 'fleet-bg', appHosts: 3 })
  for (const version of ['v1', 'v2', 'v3']) jars[version] = await lab.sampleJar(version)
})
afterAll(() => lab?.stop())

describe('blue/green across hosts', () => {
  it('deploys to every host, then switches them all at once without losing a request', async () => {
    const first = await underLoad(lab, fleetInputs(lab, 'shop', { jar: jars.v1 }))
    expect(errorOf(first.run)).toBe('')
    expect(first.run.outputs.result).toBe('deployed')
    expect(await servedVersions(lab)).toEqual(['v1'])

    const second = await underLoad(lab, fleetInputs(lab, 'shop', { jar: jars.v2 }))
    expect(errorOf(second.run)).toBe('')
    expect(second.failed).toEqual([])
    expect(await servedVersions(lab)).toEqual(['v2'])
    const hosts = JSON.parse(second.run.outputs.hosts) as { host: string; state: string; slot: { port: number } }[]
    expect(hosts.map(h => [h.host, h.state])).toEqual(lab.apps.map(app => [app.address, 'updated']))
    // One switch: every host's line names the same new slot, and the old version no longer answers anywhere.
    const text = await includeText(lab)
    for (const [i, app] of lab.apps.entries()) {
      expect(text).toContain(`server ${app.address}:${hosts[i].slot.port};`)
      expect(await versionOn(lab, i, hosts[i].slot.port)).toBe('v2')
      expect(await versionOn(lab, i, hosts[i].slot.port === 8080 ? 8081 : 8080)).toBe('')
    }
    expect(second.run.summary).toContain('deployed to 3 hosts')
  })

  it('switches nothing when one host does not become healthy, and stops the new version everywhere', async () => {
    const before = await includeText(lab)
    // Only on the third host does the new version answer its health check with DOWN (its logins get HEALTHY=false).
    await lab.apps[2].exec(`echo 'HEALTHY DEFAULT=false' >> /etc/security/pam_env.conf`)
    const run = await underLoad(lab, fleetInputs(lab, 'shop', { jar: jars.v3, 'health-timeout': '6s' }))
    await lab.apps[2].exec(`sed -i '/^HEALTHY /d' /etc/security/pam_env.conf`)
    expect(run.run.code).toBe(1)
    expect(errorOf(run.run)).toMatch(new RegExp(`new version on ${lab.apps[2].address} .* did not become healthy`))
    expect(run.failed).toEqual([])
    expect(await includeText(lab)).toBe(before)
    expect(await servedVersions(lab)).toEqual(['v2'])
    const hosts = JSON.parse(run.run.outputs.hosts) as { state: string }[]
    expect(hosts.map(h => h.state)).toEqual(['unchanged', 'unchanged', 'unchanged'])
    for (const [i, host] of (JSON.parse(run.run.outputs.hosts) as { slot: { port: number } }[]).entries()) {
      expect(await versionOn(lab, i, host.slot.port)).toBe('v2')
      expect(await versionOn(lab, i, host.slot.port === 8080 ? 8081 : 8080)).toBe('')
    }
  })
})
