/**
 * Image mode with a management port per slot: each container publishes its app port and its management port,
 * the include names both ($service_url and $service_monitoring_url), the health check asks the management port,
 * and nginx serves /actuator/ from it.
 */
import { readFileSync } from 'node:fs'
import { startLab, type BuiltImage, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'
import { addMonitoringSite, MONITORING_TEMPLATE, type MonitoringSite } from '../support/monitoring-site.js'

let lab: Lab
let site: MonitoringSite
const images: Record<string, BuiltImage> = {}
const management = { blue: 0, green: 0 }

beforeAll(async () => {
  lab = await startLab({ name: 'management-image', images: true })
  for (const version of ['v1', 'v2']) images[version] = await lab.docker!.buildImage(version)
  management.blue = await lab.freePort()
  management.green = await lab.freePort()
  site = await addMonitoringSite(lab, 'monitoring', { port: lab.ports[0], managementPort: management.blue })
})
afterAll(() => lab?.stop())

function inputs(version: string): Record<string, string> {
  const docker = lab.docker!
  return {
    ...labInputs(lab, 'mon'),
    image: images[version].ref,
    'docker-command': docker.command,
    registry: docker.registry,
    'registry-username': docker.registryUser,
    'registry-password': docker.registryPassword,
    'nginx-include': site.include,
    'nginx-include-template': MONITORING_TEMPLATE,
    'management-ports': `${management.blue},${management.green}`,
    'app-management-port': '18080',
    'health-port': 'management',
    env: 'MANAGEMENT_PORT=18080\nMONITORING_ON={management-port}',
    'docker-run-args': '--env PUBLIC_PORT={port}',
    'verify-url': `${site.url}/actuator/health`,
    'health-timeout': '30s',
    'stop-timeout': '3s'
  }
}

async function get(url: string): Promise<string> {
  const response = await lab.httpGet(url)
  return `${response.status} ${response.body.trim()}`
}

describe('image mode with a management port per slot', () => {
  it('deploys blue: both ports published, the include names both, /actuator/ served from the management port', async () => {
    const run = await runAction(inputs('v1'))
    expect(run.stdout).not.toContain('::error::')
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'blue' })
    expect(run.summary).toContain(`on :${management.blue} (management port)`)
    expect(readFileSync(site.include, 'utf8')).toBe(
      `set $service_url http://127.0.0.1:${lab.ports[0]};\nset $service_monitoring_url http://127.0.0.1:${management.blue};\n`
    )
    expect(await get(`${site.url}/version`)).toBe('200 v1')
    expect(await get(`${site.url}/actuator/role`)).toBe('200 management')
    expect(await get(`${site.url}/actuator/health`)).toBe('200 {"status":"UP"}')
    // The app port has no actuator: only the check on the management port could pass.
    expect(await get(`http://127.0.0.1:${lab.ports[0]}/actuator/health`)).toBe('404 not found')
    // {port} and {management-port} became the slot's host ports, in docker-run-args and in env.
    expect(await get(`${site.url}/env/PUBLIC_PORT`)).toBe(`200 ${lab.ports[0]}`)
    expect(await get(`${site.url}/env/MONITORING_ON`)).toBe(`200 ${management.blue}`)
  })

  it('moves both routes to green and records its management port', async () => {
    const run = await runAction(inputs('v2'))
    expect(run.stdout).not.toContain('::error::')
    expect(run.outputs).toMatchObject({ 'active-color': 'green', 'previous-color': 'blue' })
    expect(readFileSync(site.include, 'utf8')).toBe(
      `set $service_url http://127.0.0.1:${lab.ports[1]};\nset $service_monitoring_url http://127.0.0.1:${management.green};\n`
    )
    expect(await get(`${site.url}/version`)).toBe('200 v2')
    expect(await get(`${site.url}/actuator/role`)).toBe('200 management')
    expect(await get(`http://127.0.0.1:${management.green}/actuator/health`)).toBe('200 {"status":"UP"}')
    await expect(lab.httpGet(`http://127.0.0.1:${management.blue}/actuator/health`, { timeoutMs: 2000 })).rejects.toThrow()
    const published = await lab.sshExec(`${lab.docker!.command} port mon-green`)
    expect(published.stdout.split('\n').filter(Boolean).sort()).toEqual(
      [`18080/tcp -> 127.0.0.1:${management.green}`, `8080/tcp -> 127.0.0.1:${lab.ports[1]}`].sort()
    )
    const state = JSON.parse((await lab.sshExec(`cat ${lab.remoteRoot}/mon/state.json`)).stdout)
    expect(state.active).toMatchObject({ color: 'green', port: lab.ports[1], managementPort: management.green })
    expect(state.previous).toMatchObject({ color: 'blue', port: lab.ports[0], managementPort: management.blue })
  })
})
