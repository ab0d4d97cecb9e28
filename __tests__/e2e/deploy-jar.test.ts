/**
 * Jar mode end to end: the bundled action against a real sshd, nginx and JRE from the lab.
 * The tests run in order and share one server, like successive deploys of one app.
 */
import { readFileSync } from 'node:fs'
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'

let lab: Lab
const jars: Record<string, string> = {}

beforeAll(async () => {
  lab = await startLab({ name: 'deploy-jar' })
  for (const version of ['v1', 'v2', 'v3', 'v4']) jars[version] = await lab.sampleJar(version)
})
afterAll(() => lab?.stop())

function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...labInputs(lab, 'shop'),
    jar: jars.v1,
    env: 'BOOT_DELAY_MS=1500\nGREETING=hello world $(id)',
    'health-timeout': '30s',
    'drain-timeout': '5s',
    'stop-timeout': '5s',
    ...overrides
  }
}

/** `::add-mask::` lines are how secrets are handed to the runner for masking; everything else must not carry them. */
function withoutMaskCommands(stdout: string): string {
  return stdout
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')
}

async function servedVersion(): Promise<string> {
  return (await lab.httpGet(`${lab.nginxUrl}/version`)).body.trim()
}

async function listening(port: number): Promise<boolean> {
  return (
    (await lab.sshExec(`cat /proc/net/tcp /proc/net/tcp6 | awk '$4 == "0A" {print $2}' | grep -qi ':${port.toString(16)}$'`)).code === 0
  )
}

describe('jar mode', () => {
  const [blue, green] = [() => lab.ports[0], () => lab.ports[1]]

  it('deploys onto an empty server (blue)', async () => {
    const run = await runAction(inputs())
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'blue', 'active-port': String(blue()), 'previous-color': '' })
    expect(run.outputs.release).toMatch(/^[0-9a-f]{64}$/)
    expect(Number(run.outputs['health-attempts'])).toBeGreaterThan(1)
    expect(await servedVersion()).toBe('v1')
    expect(readFileSync(lab.nginxInclude, 'utf8')).toBe(`set $service_url http://127.0.0.1:${blue()};\n`)
    expect(run.summary).toContain('<h3>Steps</h3>')
    expect(run.summary).toContain('<strong>Health check</strong> (')
    // env reached the app literally, and its value appears nowhere in the output
    expect((await lab.httpGet(`http://127.0.0.1:${blue()}/env/GREETING`)).body.trim()).toBe('hello world $(id)')
    expect(withoutMaskCommands(run.stdout) + run.summary).not.toContain('hello world $(id)')
  })

  it('moves traffic from blue to green and stops blue', async () => {
    const run = await runAction(inputs({ jar: jars.v2 }))
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({
      'active-color': 'green',
      'active-port': String(green()),
      'previous-color': 'blue',
      'previous-port': String(blue())
    })
    expect(Number(run.outputs['time-to-switch-ms'])).toBeGreaterThan(0)
    expect(await servedVersion()).toBe('v2')
    expect(await listening(blue())).toBe(false)
  })

  it('moves traffic back to blue', async () => {
    const run = await runAction(inputs({ jar: jars.v3 }))
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ 'active-color': 'blue', 'previous-color': 'green' })
    expect(await servedVersion()).toBe('v3')
    expect(await listening(green())).toBe(false)
  })

  it('keeps the live version when the new one is unhealthy, and shows its log', async () => {
    const run = await runAction(inputs({ jar: jars.v4, env: 'HEALTHY=false', 'health-timeout': '4s' }))
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('failed')
    expect(run.stdout).toMatch(/::error::The new version on green :\d+ did not become healthy/)
    expect(run.summary).toContain('Started SampleApp v4')
    expect(run.summary).toMatch(/live version \(blue :\d+\) kept serving/)
    expect(await servedVersion()).toBe('v3')
    expect(await listening(green())).toBe(false)
  })

  it('restores the include when the nginx config test fails', async () => {
    const before = readFileSync(lab.nginxInclude, 'utf8')
    // A template without the closing semicolon produces a config nginx -t rejects.
    const run = await runAction(inputs({ jar: jars.v4, 'nginx-include-template': 'set $service_url http://127.0.0.1:{port}' }))
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/nginx config test/)
    expect(run.summary).toContain('include was restored')
    expect(readFileSync(lab.nginxInclude, 'utf8')).toBe(before)
    expect(await servedVersion()).toBe('v3')
    expect(await listening(green())).toBe(false)
  })

  it('deploys again after the failures, without uploading a release it already has', async () => {
    const run = await runAction(inputs({ jar: jars.v4 }))
    expect(run.code).toBe(0)
    expect(run.summary).toContain('already on the server')
    expect(await servedVersion()).toBe('v4')
  })
})
