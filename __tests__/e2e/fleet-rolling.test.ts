/** Rolling across three app hosts, one at a time, under load through nginx on its own host. */
import { startFleetLab, type FleetLab } from '../../lab/fleet-lab.mjs'
import { errorOf } from '../support/failure-lab.js'
import { fleetInputs, includeText, servedVersions, underLoad, versionOn } from '../support/fleet.js'

let lab: FleetLab
const jars: Record<string, string> = {}

beforeAll(async () => {
  lab = await startFleetLab({ name: 'fleet-roll', appHosts: 3 })
  for (const version of ['v1', 'v2', 'v3']) jars[version] = await lab.sampleJar(version)
})
afterAll(() => lab?.stop())

type HostOutput = { host: string; release: string; state: string; slot: { port: number } | null }

const rollingInputs = (jar: string, overrides: Record<string, string> = {}) =>
  fleetInputs(lab, 'cart', { jar, strategy: 'rolling', ...overrides })

describe('rolling across hosts', () => {
  it('replaces one host at a time, each taken out of nginx first, without losing a request', async () => {
    const first = await underLoad(lab, rollingInputs(jars.v1))
    expect(errorOf(first.run)).toBe('')
    expect(await servedVersions(lab)).toEqual(['v1'])

    const second = await underLoad(lab, rollingInputs(jars.v2))
    expect(errorOf(second.run)).toBe('')
    expect(second.failed).toEqual([])
    expect(await servedVersions(lab)).toEqual(['v2'])
    // Each host left the upstream (down) before its new version went in, one after the other.
    const steps = second.run.stdout.split('\n').filter(line => /^ {2}✓ (Take \S+ out|Put )/.test(line))
    expect(steps.map(line => line.replace(/ \(\d+ ms\).*/, ''))).toEqual(
      lab.apps.flatMap(app => [`  ✓ Take ${app.address} out of nginx`, `  ✓ Put ${app.address} back on the new version`])
    )
    const hosts = JSON.parse(second.run.outputs.hosts) as HostOutput[]
    expect(hosts.map(h => h.state)).toEqual(['updated', 'updated', 'updated'])
    expect(await includeText(lab)).not.toContain('down')
  })

  it('stops at the second host when it fails: the first keeps the new version, the rest the old one', async () => {
    const before = JSON.parse((await underLoad(lab, fleetInputs(lab, 'cart', { command: 'status' }))).run.outputs.hosts) as HostOutput[]
    await lab.apps[1].exec(`echo 'HEALTHY DEFAULT=false' >> /etc/security/pam_env.conf`)
    const run = await underLoad(lab, rollingInputs(jars.v3, { 'health-timeout': '6s' }))
    await lab.apps[1].exec(`sed -i '/^HEALTHY /d' /etc/security/pam_env.conf`)
    expect(run.run.code).toBe(1)
    expect(errorOf(run.run)).toMatch(/The rollout stopped at batch 2 of 3: .*did not become healthy/)
    expect(run.failed).toEqual([])
    const hosts = JSON.parse(run.run.outputs.hosts) as HostOutput[]
    expect(hosts.map(h => h.state)).toEqual(['updated', 'rolled back', 'untouched'])
    expect(await versionOn(lab, 0, hosts[0].slot!.port)).toBe('v3')
    expect(await versionOn(lab, 1, before[1].slot!.port)).toBe('v2')
    expect(await versionOn(lab, 1, before[1].slot!.port === 8080 ? 8081 : 8080)).toBe('')
    expect(await versionOn(lab, 2, before[2].slot!.port)).toBe('v2')
    expect(await servedVersions(lab, 30)).toEqual(['v2', 'v3'])
    expect(run.run.summary).toContain('rolled back')
    expect(await includeText(lab)).not.toContain('down')
  })

  it('a run killed mid-rollout is put right by its post step: nginx on versions that serve, each host finished or untouched', async () => {
    const second = lab.apps[1].address.replace(/\./g, '\\.')
    const killed = await underLoad(lab, rollingInputs(jars.v1), {
      interrupt: { when: new RegExp(`✓ Take ${second} out of nginx`), signal: 'SIGKILL' }
    })
    expect(killed.run.signal).toBe('SIGKILL')
    expect(await includeText(lab)).toContain('down')
    const post = await underLoad(lab, rollingInputs(jars.v1), { state: killed.run.state })
    expect(errorOf(post.run)).toBe('')
    expect(post.failed).toEqual([])
    expect(await includeText(lab)).not.toContain('down')
    expect(post.run.summary).toContain('Repaired cart after an interrupted deploy across hosts')
    // The first host had its new version verified: finished. The others serve what they served.
    const hosts = JSON.parse((await underLoad(lab, fleetInputs(lab, 'cart', { command: 'status' }))).run.outputs.hosts) as HostOutput[]
    expect(hosts.map(h => h.release === hosts[0].release)).toEqual([true, false, false])
    expect(await versionOn(lab, 0, hosts[0].slot!.port)).toBe('v1')
    expect(await versionOn(lab, 0, hosts[0].slot!.port === 8080 ? 8081 : 8080)).toBe('')
    expect(await servedVersions(lab, 30)).toEqual(['v1', 'v2'])
  })
})
