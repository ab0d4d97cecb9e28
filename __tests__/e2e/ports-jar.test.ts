/**
 * Jar mode with port placeholders and a management port: an app that takes its port as `--port {port}`, reports
 * health as `{"status":"pass"}`, and moves its actuator to the management port, deploys without a wrapper.
 */
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'

let lab: Lab
const jars: Record<string, string> = {}
const management = { blue: 0, green: 0 }

beforeAll(async () => {
  lab = await startLab({ name: 'ports-jar' })
  for (const version of ['v1', 'v2', 'v3']) jars[version] = await lab.sampleJar(version)
  management.blue = await lab.freePort()
  management.green = await lab.freePort()
})
afterAll(() => lab?.stop())

function inputs(overrides: Record<string, string>): Record<string, string> {
  return { ...labInputs(lab, 'shop'), 'health-timeout': '30s', 'drain-timeout': '5s', 'stop-timeout': '5s', ...overrides }
}

async function get(url: string): Promise<string> {
  const response = await lab.httpGet(url)
  return `${response.status} ${response.body.trim()}`
}

describe('jar mode with port placeholders', () => {
  const [blue, green] = [() => lab.ports[0], () => lab.ports[1]]

  it('deploys an app that takes --port {port} and reports {"status":"pass"}', async () => {
    const run = await runAction(
      inputs({
        jar: jars.v1,
        'app-args': '--port {port}',
        env: 'HEALTH_STATUS=pass\nLISTENS_ON=:{port}',
        'java-options': '-Dlistens.on={port}'
      })
    )
    expect(run.stdout).not.toContain('::error::')
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'blue' })
    expect(run.summary).toContain('HTTP 200, status pass')
    expect(await get(`${lab.nginxUrl}/args`)).toBe(`200 --port ${blue()}`)
    expect(await get(`${lab.nginxUrl}/env/LISTENS_ON`)).toBe(`200 :${blue()}`)
    const cmdline = (await lab.sshExec(`tr '\\0' ' ' < /proc/$(cat ${lab.remoteRoot}/shop/slots/blue/app.pid)/cmdline`)).stdout
    expect(cmdline).toContain(`-Dlistens.on=${blue()} `)
  })

  it('checks health on the management port, where the actuator moved (MANAGEMENT_SERVER_PORT)', async () => {
    const run = await runAction(
      inputs({
        jar: jars.v2,
        'app-args': '--port {port}',
        'management-ports': `${management.blue},${management.green}`,
        'health-port': 'management',
        // The app port has no /actuator/health any more, so the check through nginx asks another path.
        'verify-url': `http://127.0.0.1:${lab.nginxPort}/version`
      })
    )
    expect(run.stdout).not.toContain('::error::')
    expect(run.outputs).toMatchObject({ 'active-color': 'green', 'previous-color': 'blue' })
    expect(run.summary).toContain(`on :${management.green} (management port)`)
    expect(await get(`${lab.nginxUrl}/version`)).toBe('200 v2')
    expect(await get(`http://127.0.0.1:${management.green}/actuator/health`)).toBe('200 {"status":"UP"}')
    expect(await get(`http://127.0.0.1:${green()}/actuator/health`)).toBe('404 not found')
  })

  it('refuses an app whose health says DOWN-like words, and accepts its own rule with health-expect-body', async () => {
    const sick = await runAction(inputs({ jar: jars.v3, env: 'HEALTH_STATUS=unhealthy', 'health-timeout': '3s' }))
    expect(sick.code).toBe(1)
    expect(sick.summary).toContain('HTTP 200 but status is unhealthy')
    expect(await get(`${lab.nginxUrl}/version`)).toBe('200 v2')
    const own = await runAction(inputs({ jar: jars.v3, env: 'HEALTH_STATUS=green', 'health-expect-body': '"status":"green"' }))
    expect(own.stdout).not.toContain('::error::')
    expect(own.summary).toContain('HTTP 200, body matches health-expect-body')
    expect(await get(`${lab.nginxUrl}/version`)).toBe('200 v3')
  })
})
