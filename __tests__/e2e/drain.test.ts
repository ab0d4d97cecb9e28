/**
 * The drain: a request in flight on the old version when traffic moves must still complete, even when
 * the app itself drops in-flight requests on SIGTERM (GRACEFUL=false).
 */
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'
import { untilInFlight } from '../support/in-flight.js'

let lab: Lab
const jars: Record<string, string> = {}

beforeAll(async () => {
  lab = await startLab({ name: 'drain' })
  for (const version of ['v1', 'v2', 'v3']) jars[version] = await lab.sampleJar(version)
})
afterAll(() => lab?.stop())

function deploy(version: string, overrides: Record<string, string> = {}) {
  return runAction({
    ...labInputs(lab, 'drainapp'),
    jar: jars[version],
    env: 'GRACEFUL=false\nBOOT_DELAY_MS=500',
    'health-checks-required': '2',
    'stop-timeout': '5s',
    ...overrides
  })
}

/**
 * Starts a request through nginx that takes `ms` (long enough to still be in flight when the deploy
 * reaches the drain, even on a busy machine) and resolves with its outcome; never rejects.
 */
function slowRequestThroughNginx(ms: number): Promise<{ status: number; body: string } | { error: string }> {
  return lab.httpGet(`${lab.nginxUrl}/slow?ms=${ms}`, { timeoutMs: ms + 20_000 }).catch((error: Error) => ({ error: error.message }))
}

/** The slow request has reached the live version on `port`. */
async function waitForInFlight(port: number): Promise<void> {
  await untilInFlight(lab, port)
}

describe('drain', () => {
  it('lets a slow request in flight on the old version finish before stopping it', async () => {
    expect((await deploy('v1')).outputs.result).toBe('deployed')
    const slow = slowRequestThroughNginx(10_000)
    await waitForInFlight(lab.ports[0])
    const run = await deploy('v2', { 'drain-timeout': '30s' })
    expect(run.outputs.result).toBe('deployed')
    expect(await slow).toMatchObject({ status: 200, body: 'slow done v1\n' })
    expect(run.summary).toMatch(/Drain old version \(blue\)<\/td><td>✅ ok<\/td><td>[^<]+<\/td><td>no open connections, quiet for \d+ ms/)
    expect((await lab.httpGet(`${lab.nginxUrl}/version`)).body.trim()).toBe('v2')
  })

  it('cuts that request when the drain is turned off (the app drops in-flight work on SIGTERM)', async () => {
    const slow = slowRequestThroughNginx(10_000)
    await waitForInFlight(lab.ports[1])
    const run = await deploy('v3', { 'drain-timeout': '0s' })
    expect(run.outputs.result).toBe('deployed')
    expect(run.summary).toMatch(/gave up after \d+ ms with 1 connection\(s\) still open/)
    // nginx answers 502 when the upstream drops the connection mid-request
    expect(await slow).toMatchObject({ status: 502 })
  })
})
