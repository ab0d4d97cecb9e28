/**
 * Failure matrix, part 1: what can go wrong with the new version or with nginx. Each case runs under
 * load through nginx and checks that the live version kept serving with no failed request, that the
 * step failed and says why, that the server is consistent, and that the next deploy succeeds.
 */
import { startLab } from '../../lab/lab.mjs'
import { errorOf, failureLab, type FailureLab } from '../support/failure-lab.js'

let f: FailureLab

beforeAll(async () => {
  f = failureLab(await startLab({ name: 'failures-app' }), 'matrix')
  const first = await f.underLoad(await f.inputs('v0'))
  expect(first.run.outputs.result).toBe('deployed')
})
afterAll(() => f?.lab.stop())

describe('failure matrix: the new version and nginx', () => {
  it('unhealthy new version', async () => {
    const { run, failed } = await f.underLoad(await f.inputs('v1', { env: 'HEALTHY=false', 'health-timeout': '3s' }))
    expect(failed).toEqual([])
    expect(run.outputs.result).toBe('failed')
    expect(errorOf(run)).toMatch(/did not become healthy: not healthy within 3000 ms \(last: HTTP 503, expected 200\)/)
    expect(errorOf(run)).toMatch(
      /Server state: The live version \(blue :\d+\) kept serving and still does; the new version on green :\d+ was stopped/
    )
    expect(await f.servedVersion()).toBe(f.live)
    await f.recovers('v1')
  })

  it('new version crashes at boot', async () => {
    const { run, failed } = await f.underLoad(await f.inputs('v2', { env: 'CRASH_AT_BOOT=true' }))
    expect(failed).toEqual([])
    expect(errorOf(run)).toMatch(/did not become healthy: the new version exited before it became healthy/)
    expect(run.summary).toMatch(/Log of the new version/)
    expect(await f.servedVersion()).toBe(f.live)
    await f.recovers('v2')
  })

  it('nginx config test fails', async () => {
    const before = await f.includeText()
    const { run, failed } = await f.underLoad(
      await f.inputs('v3', { 'nginx-include-template': 'set $service_url http://127.0.0.1:{port}' })
    )
    expect(failed).toEqual([])
    expect(errorOf(run)).toMatch(/Remote step 'nginx config test' exited with code 1/)
    expect(errorOf(run)).toMatch(/the nginx include was restored and nginx reloaded/)
    expect(await f.includeText()).toBe(before)
    await f.recovers('v3')
  })

  it('nginx reload fails', async () => {
    const before = await f.includeText()
    const { run, failed } = await f.underLoad(await f.inputs('v4', { 'nginx-reload-command': 'false' }))
    expect(failed).toEqual([])
    expect(errorOf(run)).toMatch(/Remote step 'nginx reload' exited with code 1/)
    expect(errorOf(run)).toMatch(/the nginx include was restored, but reloading nginx failed .*keeps the configuration it last loaded/)
    expect(await f.includeText()).toBe(before)
    expect(await f.servedVersion()).toBe(f.live)
    await f.recovers('v4')
  })

  it('check through nginx fails after the switch', async () => {
    const before = await f.includeText()
    const { run, failed } = await f.underLoad(await f.inputs('v5', { 'verify-url': `http://127.0.0.1:${f.lab.nginxPort}/no-such-page` }))
    expect(failed).toEqual([])
    expect(errorOf(run)).toMatch(
      /nginx did not answer like a healthy app after the switch: http:\/\/127\.0\.0\.1:\d+\/no-such-page → HTTP 404, expected 200\./
    )
    expect(errorOf(run)).toMatch(/the nginx include was restored and nginx reloaded, and the new version on \w+ :\d+ was stopped/)
    expect(errorOf(run)).toMatch(/or 'false' to skip this check/)
    expect(await f.includeText()).toBe(before)
    expect(await f.servedVersion()).toBe(f.live)
  })

  it('java missing on the server', async () => {
    const { run, failed } = await f.underLoad(await f.inputs('v5', { 'java-command': '/opt/no-jdk/bin/java' }))
    expect(failed).toEqual([])
    expect(errorOf(run)).toMatch(
      /'\/opt\/no-jdk\/bin\/java' was not found on the server's PATH for the login user\.\nServer state: Nothing was changed/
    )
  })

  it('idle port taken by a foreign process', async () => {
    const idle = f.lab.ports[f.live === 'v4' ? 1 : 0]
    const pidFile = `${f.lab.remoteRoot}/foreign.pid`
    await f.lab.sshExec(
      `cd ${f.lab.remoteRoot}; setsid nohup python3 -m http.server ${idle} --bind 127.0.0.1 > /dev/null 2>&1 < /dev/null & echo $! > ` +
        `${pidFile}`
    )
    for (let i = 0; i < 50 && !(await f.lab.httpGet(`http://127.0.0.1:${idle}/`).catch(() => null)); i++)
      await new Promise(r => setTimeout(r, 100))
    const { run, failed } = await f.underLoad(await f.inputs('v5'))
    expect(failed).toEqual([])
    expect(errorOf(run)).toMatch(new RegExp(`Port ${idle} \\(the idle \\w+ slot\\) is held by a process that this action did not start`))
    expect(errorOf(run)).toMatch(/Nothing was changed on the server/)
    await f.lab.sshExec(`kill $(cat ${pidFile}) && rm ${pidFile}`)
    await f.recovers('v5')
  })

  it('include file hand-edited to an unknown port', async () => {
    const before = await f.includeText()
    await f.lab.sshExec(`echo 'set $service_url http://127.0.0.1:1;' | sudo -n tee ${f.lab.nginxInclude} > /dev/null`)
    const { run, failed } = await f.underLoad(await f.inputs('v6'))
    expect(failed).toEqual([]) // nginx still runs the configuration it loaded
    expect(errorOf(run)).toMatch(/nginx routes to port 1, which is neither the blue \(\d+\) nor the green \(\d+\) slot/)
    await f.lab.sshExec(`printf '%s' '${before.trim()}' | sudo -n tee ${f.lab.nginxInclude} > /dev/null`)
    await f.recovers('v6')
  })

  it('include file missing', async () => {
    await f.lab.sshExec(`sudo -n rm ${f.lab.nginxInclude}`)
    const { run, failed } = await f.underLoad(await f.inputs('v7'))
    expect(failed).toEqual([])
    expect(run.outputs).toMatchObject({ result: 'deployed', 'previous-color': expect.stringMatching(/^(blue|green)$/) })
    expect(run.summary).toMatch(/Stop old version \((blue|green)\)<\/td><td>✅ ok/)
    expect(await f.servedVersion()).toBe('v7')
    expect(await f.includeText()).toMatch(/^set \$service_url http:\/\/127\.0\.0\.1:\d+;\n$/)
  })
})
