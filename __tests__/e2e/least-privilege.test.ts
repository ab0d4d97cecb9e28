/**
 * Least privilege end to end: a login user whose only sudo rule is the README's (for the lab's paths), the
 * check through the TLS server block that serves the app, and the refusals that come before any change.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startLab, type Lab } from '../../lab/lab.mjs'
import { installSudoers } from '../../lab/privilege.mjs'
import { labInputs, runAction, type ActionRun } from '../../lab/run-action.mjs'
import { repoRoot } from '../../lab/sample-app.mjs'
import { errorOf } from '../support/failure-lab.js'

let lab: Lab
const jars: Record<string, string> = {}

beforeAll(async () => {
  lab = await startLab({ name: 'least-privilege' })
  for (const version of ['v1', 'v2', 'v3', 'v4']) jars[version] = await lab.sampleJar(version)
})
afterAll(() => lab?.stop())

const sudoersFile = () => `bglab-${lab.labId}-least`

/** Inputs for the least-privilege user: connection, app and the lab's nginx commands; verify-url stays 'auto'. */
function asLeast(version: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...labInputs(lab, 'shop'),
    username: lab.leastPrivilege.username,
    'remote-dir': `${lab.leastPrivilege.remoteRoot}/shop`,
    jar: jars[version],
    'drain-timeout': '3s',
    'stop-timeout': '3s',
    ...overrides
  }
}

/** Replaces this lab's rule for the user with `line` while `run` runs. */
async function withRule<T>(line: string, run: () => Promise<T>): Promise<T> {
  await installSudoers(sudoersFile(), line)
  try {
    return await run()
  } finally {
    await installSudoers(sudoersFile(), lab.leastPrivilege.sudoersLine)
  }
}

function stepNote(run: ActionRun, step: string): string {
  const row = new RegExp(`<tr><td>${step}</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td></tr>`).exec(run.summary)
  const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" }
  return (row?.[1] ?? '').replace(/&(amp|lt|gt|quot|#39);/g, entity => entities[entity])
}

const served = async () => (await lab.httpGet(`${lab.nginxUrl}/version`)).body.trim()
const includeText = () => readFileSync(lab.nginxInclude, 'utf8')
/** What a deploy uploads or starts: its remote dir holds only the deploy lock and the history before that. */
const uploaded = (remoteDir: string) => ['releases', 'slots'].filter(name => existsSync(join(remoteDir, name)))

describe('least privilege', () => {
  it("installs the README's sudoers rule, adapted only to the lab's paths", () => {
    const readme = /^ *(deploy ALL=\(root\) NOPASSWD: .*)$/m.exec(readFileSync(join(repoRoot, 'README.md'), 'utf8'))?.[1] ?? ''
    const adapted = readme
      .replace(/^deploy /, 'bgleast ')
      .replace('/etc/nginx/conf.d/service-url.inc', lab.nginxInclude)
      .replaceAll('/usr/sbin/nginx ', `/usr/sbin/nginx -c ${lab.nginxConf} `)
    expect(lab.leastPrivilege.sudoersLine).toBe(adapted)
    expect(readFileSync(`/etc/sudoers.d/${sudoersFile()}`, 'utf8')).toBe(`${adapted}\n`)
  })

  it('refuses, before changing anything, an include that no server block reads', async () => {
    const other = join(lab.dir, 'nginx', 'conf.d', 'other.inc')
    const before = includeText()
    const run = await runAction({ ...labInputs(lab, 'other'), jar: jars.v1, 'nginx-include': other })
    expect(run.code).toBe(1)
    expect(errorOf(run)).toMatch(
      new RegExp(
        `^No nginx server block includes ${other}, so switching it would change nothing\\. ` +
          `Read: 'nginx -T' \\(${lab.nginxConf} and \\d+ more file\\(s\\)\\)\\.`
      )
    )
    expect(errorOf(run)).toContain('Nothing was changed on the server')
    expect(existsSync(other)).toBe(false)
    expect(uploaded(`${lab.remoteRoot}/other`)).toEqual([])
    expect(includeText()).toBe(before)
  })

  it('refuses, before changing anything, when the rule lacks a command, printing the line to add', async () => {
    const withoutReload = lab.leastPrivilege.sudoersLine.replace(/, [^,]* -s reload$/, '')
    const run = await withRule(withoutReload, () => runAction(asLeast('v1')))
    expect(run.code).toBe(1)
    expect(errorOf(run)).toContain(
      `The nginx steps run through 'sudo -n', and the login user may not run 'nginx -c ${lab.nginxConf} -s reload' that way.`
    )
    expect(errorOf(run)).toContain(lab.leastPrivilege.sudoersLine)
    expect(uploaded(`${lab.leastPrivilege.remoteRoot}/shop`)).toEqual([])
  })

  it('deploys with only that rule, checked through the TLS server block by its server_name', async () => {
    const run = await runAction(asLeast('v1'))
    expect(errorOf(run)).toBe('')
    expect(run.outputs['active-color']).toBe('blue')
    expect(await served()).toBe('v1')
    const verified = stepNote(run, 'Verify through nginx')
    expect(verified).toContain(`https://shop.lab.test:${lab.tlsPort}/actuator/health (at 127.0.0.1:${lab.tlsPort}) → HTTP 200, status UP`)
    expect(verified).toContain(`http://127.0.0.1:${lab.nginxPort}/actuator/health → HTTP 200, status UP`)
    expect(stepNote(run, 'Read server state')).toContain(`nginx includes it at ${lab.nginxConf}:`)
  })

  it('moves traffic to green with the same rule', async () => {
    const run = await runAction(asLeast('v2'))
    expect(errorOf(run)).toBe('')
    expect(run.outputs).toMatchObject({ 'active-color': 'green', 'previous-color': 'blue' })
    expect(await served()).toBe('v2')
  })

  it('reads the configuration files itself when the rule does not allow nginx -T', async () => {
    const withoutDump = lab.leastPrivilege.sudoersLine.replace(/, [^,]* -T,/, ',')
    expect(withoutDump).not.toContain(' -T')
    const run = await withRule(withoutDump, () => runAction(asLeast('v3')))
    expect(errorOf(run)).toBe('')
    expect(await served()).toBe('v3')
    expect(stepNote(run, 'Verify through nginx')).toContain(`https://shop.lab.test:${lab.tlsPort}/actuator/health`)
  })

  it('verifies through verify-url with https and a host name', async () => {
    const url = `https://shop.lab.test:${lab.tlsPort}/actuator/health`
    const run = await runAction(asLeast('v4', { 'verify-url': url }))
    expect(errorOf(run)).toBe('')
    expect(stepNote(run, 'Verify through nginx')).toBe(`${url} (at 127.0.0.1:${lab.tlsPort}) → HTTP 200, status UP`)
    // The default site on the same port answers 404 to any other name: a wrong Host or SNI would fail.
    const wrong = await runAction(asLeast('v1', { 'verify-url': `https://default.lab.test:${lab.tlsPort}/actuator/health` }))
    expect(errorOf(wrong)).toMatch(/nginx did not answer like a healthy app after the switch: .*HTTP 404, expected 200/)
    expect(await served()).toBe('v4')
  })

  it('empties the include it may not remove when a first switch is rolled back, and deploys after that', async () => {
    // The include is read through a glob after a default, so nginx works without it; then it is removed.
    const conf = readFileSync(lab.nginxConf, 'utf8')
    const globbed = conf.replaceAll(
      `include ${lab.nginxInclude};`,
      `set $service_url http://127.0.0.1:9;\n    include ${lab.nginxInclude.replace(/c$/, '[c]')};`
    )
    writeFileSync(lab.nginxConf, globbed)
    rmSync(lab.nginxInclude)
    expect((await lab.sshExec(`sudo -n ${lab.nginxReloadCommand}`)).code).toBe(0)
    while ((await lab.httpGet(`${lab.nginxUrl}/version`)).status !== 502) await new Promise(resolve => setImmediate(resolve))
    const failed = await runAction(asLeast('v1', { 'verify-url': `http://127.0.0.1:${lab.nginxPort}/no-such-page` }))
    expect(failed.code).toBe(1)
    expect(failed.summary).toContain(
      'the nginx include did not exist before and was emptied (sudo allows only tee of it) and nginx reloaded'
    )
    expect(includeText()).toBe('')
    expect((await lab.httpGet(`${lab.nginxUrl}/version`)).status).toBe(502)
    const run = await runAction(asLeast('v1'))
    expect(errorOf(run)).toBe('')
    expect(await served()).toBe('v1')
  })
})
