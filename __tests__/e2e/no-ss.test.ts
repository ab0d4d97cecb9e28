/**
 * A server without `ss` (busybox or minimal images): the probe and the drain read the kernel's TCP tables
 * instead. The drain still waits for a request in flight, and the probe still sees a listener on the idle port.
 */
import { execFileSync } from 'node:child_process'
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'

let lab: Lab
const jars: Record<string, string> = {}

beforeAll(async () => {
  lab = await startLab({ name: 'no-ss', withoutCommands: ['ss'] })
  for (const version of ['v1', 'v2', 'v3']) jars[version] = await lab.sampleJar(version)
})
afterAll(() => lab?.stop())

function deploy(version: string, overrides: Record<string, string> = {}) {
  return runAction({
    ...labInputs(lab, 'nossapp'),
    jar: jars[version],
    env: 'GRACEFUL=false\nBOOT_DELAY_MS=500',
    'stop-timeout': '5s',
    ...overrides
  })
}

/** Resolves once a connection to `port` is established; asks this machine's ss, which the login user lacks. */
async function untilInFlight(port: number): Promise<void> {
  const deadline = Date.now() + 10_000
  const filter = `( sport = :${port} or dport = :${port} )`
  while (!execFileSync('ss', ['-Htn', 'state', 'established', filter], { encoding: 'utf8' }).trim()) {
    if (Date.now() > deadline) throw new Error(`no connection on port ${port} within 10 s`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('a server without ss', () => {
  it('has no ss on the login PATH', async () => {
    expect((await lab.sshExec('command -v ss')).code).not.toBe(0)
  })

  it('drains a slow request on the old version before stopping it (GRACEFUL=false would cut it)', async () => {
    expect((await deploy('v1')).outputs).toMatchObject({ result: 'deployed', 'active-color': 'blue' })
    const slow = lab.httpGet(`${lab.nginxUrl}/slow?ms=10000`, { timeoutMs: 30_000 }).catch((error: Error) => ({ error: error.message }))
    await untilInFlight(lab.ports[0])
    const run = await deploy('v2', { 'drain-timeout': '30s' })
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'green', 'previous-color': 'blue' })
    expect(await slow).toMatchObject({ status: 200, body: 'slow done v1\n' })
  })

  it('sees a foreign listener on the idle port and changes nothing', async () => {
    const idle = lab.ports[0]
    const pidFile = `${lab.remoteRoot}/foreign.pid`
    await lab.sshExec(
      `cd ${lab.remoteRoot}; setsid nohup python3 -m http.server ${idle} --bind 127.0.0.1 > /dev/null 2>&1 < /dev/null & echo $! > ${pidFile}`
    )
    try {
      for (let i = 0; i < 100 && !(await lab.httpGet(`http://127.0.0.1:${idle}/`).catch(() => null)); i++)
        await new Promise(resolve => setTimeout(resolve, 100))
      const run = await deploy('v3')
      expect(run.outputs.result).not.toBe('deployed')
      expect(run.stdout).toMatch(new RegExp(`Port ${idle} \\(the idle blue slot\\) is held by a process that this action did not start`))
      expect((await lab.httpGet(`${lab.nginxUrl}/version`)).body.trim()).toBe('v2')
    } finally {
      await lab.sshExec(`kill $(cat ${pidFile})`)
    }
  })
})
