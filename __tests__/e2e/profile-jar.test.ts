/**
 * Issue 12's "Done when", jar mode, on the debian lab profile (nginx in the Debian layout with the app on 443 ssl
 * for its server_name, the default site on 80, users whose sudo is exactly the README's rule, a greeting
 * ~/.bashrc, zsh and fish). Each run sets only the connection inputs, `jar` and `app-name`, plus what its
 * scenario needs by nature; everything else is the action's default (ports 8080,8081, the include
 * /etc/nginx/conf.d/service-url.inc, sudo, verify). One lab for the whole file: its scenarios run in order.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { startDebianLab, type DebianLab, type DebianUserKey } from '../../lab/lab.mjs'
import { debianInputs, runAction } from '../../lab/run-action.mjs'
import { appArgsInput, envInput, HOSTILE_ARGS, HOSTILE_ENV } from '../support/hostile-values.js'
import { argvOf, isAlive } from '../support/processes.js'
import {
  clientsThrough443,
  errorOf,
  expectDeployed,
  expectOnly,
  expectVerifiedThroughServerName,
  includeOnHost,
  listening,
  MONITORING_TEMPLATE,
  readmeSudoersRule,
  remoteDir,
  requireServerName,
  served,
  uidOf,
  untilClosed,
  untilExited,
  useAppSite
} from '../support/profile.js'

let lab: DebianLab
const jars = new Map<string, string>()
const GREETING_WARNING = /^::warning::The login shell of ([\w-]+)@127\.0\.0\.1 printed text before each command/gm

beforeAll(async () => {
  lab = await startDebianLab({ name: 'profile-jar' })
  await requireServerName(lab)
}, 20 * 60_000)
afterAll(() => lab?.stop())

async function deploy(version: string, extra: Record<string, string> = {}, user: DebianUserKey = 'deploy', app = 'shop') {
  if (!jars.has(version)) jars.set(version, await lab.sampleJar(version))
  return runAction({ ...debianInputs(lab, app, user), jar: jars.get(version)!, ...extra })
}

const pidFile = (user: DebianUserKey, app: string, color: string) => `${remoteDir(lab, user, app)}/slots/${color}/app.pid`
const appPid = (color: string, user: DebianUserKey = 'deploy', app = 'shop') => Number(readFileSync(pidFile(user, app, color), 'utf8'))

/** The app's processes by slot (`<color> <pid>`): a recorded PID that runs with the slot's marker. */
function running(user: DebianUserKey = 'deploy', app = 'shop'): string[] {
  return ['blue', 'green'].flatMap(color => {
    const pid = existsSync(pidFile(user, app, color)) ? appPid(color, user, app) : 0
    return pid && isAlive(pid) && argvOf(pid).includes(`-Dbluegreen.slot=${app}/${color}`) ? [`${color} ${pid}`] : []
  })
}

function expectRanAs(user: DebianUserKey, color: string, app = 'shop'): void {
  expect(uidOf(appPid(color, user, app))).toBe(lab.users[user].uid)
}

describe('jar mode on the debian profile', () => {
  it("gives the lab's deploy user the README's sudoers rule, verbatim", async () => {
    const rule = (await lab.rootExec('cat /etc/sudoers.d/deploy')).stdout
    expect(rule).toBe(`${lab.sudoersRule('deploy')}\n`)
    expect(readmeSudoersRule()).toBe(lab.sudoersRule('deploy'))
  })

  it('deploys onto the fresh server as deploy, checked through 443 with the server_name', async () => {
    const run = await deploy('v1')
    expectDeployed(run, 'blue')
    expectVerifiedThroughServerName(run, lab)
    expect(await served(lab)).toBe('200 v1')
    expectRanAs('deploy', 'blue')
    // deploy's ~/.bashrc greets before every command: shown once as a warning, never taken for output.
    expect([...run.stdout.matchAll(GREETING_WARNING)].map(match => match[1])).toEqual(['deploy'])
  })

  it('moves traffic blue → green', async () => {
    const blue = appPid('blue')
    const run = await deploy('v2')
    expectDeployed(run, 'green')
    expect(run.outputs['previous-color']).toBe('blue')
    expectVerifiedThroughServerName(run, lab)
    expect(await served(lab)).toBe('200 v2')
    expect(includeOnHost(lab)).toBe('set $service_url http://127.0.0.1:8081;\n')
    expect(argvOf(blue)).toEqual([])
    expect(running()).toEqual([`green ${appPid('green')}`])
  })

  it('moves traffic green → blue', async () => {
    const run = await deploy('v3')
    expectDeployed(run, 'blue')
    expect(run.outputs['previous-color']).toBe('green')
    expectVerifiedThroughServerName(run, lab)
    expect(await served(lab)).toBe('200 v3')
    expect(includeOnHost(lab)).toBe('set $service_url http://127.0.0.1:8080;\n')
    expect(running()).toEqual([`blue ${appPid('blue')}`])
  })

  it('refuses, with nothing changed, a configuration in which no server block includes the include file', async () => {
    await useAppSite(lab, { include: false })
    try {
      const before = { include: includeOnHost(lab), running: running(), releases: releases() }
      const run = await deploy('v4')
      expect(run.code).toBe(1)
      expect(errorOf(run)).toContain(lab.nginxInclude)
      // It names the configuration it read.
      expect(errorOf(run)).toMatch(/nginx -T|\/etc\/nginx\/nginx\.conf/)
      expect(errorOf(run)).toMatch(/nothing (was )?changed/i)
      expect({ include: includeOnHost(lab), running: running(), releases: releases() }).toEqual(before)
      expect(await listening(8081)).toBe(false)
      expect(await served(lab)).toBe('200 v3')
    } finally {
      await useAppSite(lab, {})
    }
  })

  it('deploys a jar that takes its port as --port {port}', async () => {
    const run = await deploy('v4', { 'app-args': '--port {port}' })
    expectDeployed(run, 'green')
    expectVerifiedThroughServerName(run, lab)
    expect(await served(lab, '/args')).toBe('200 --port 8081')
    expect(argvOf(appPid('green')).slice(-2)).toEqual(['--port', '8081'])
  })

  it('rolls back when the before-switch hook fails: nginx stays on the old version, which serves throughout', async () => {
    const include = includeOnHost(lab)
    const clients = clientsThrough443(lab)
    const run = await deploy('v5', { 'before-switch': `sh -c 'echo "smoke test failed" >&2; exit 3'` })
    const seen = await clients.stop()
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('failed')
    expect(errorOf(run)).toMatch(/^The before-switch hook \(.*\) failed with exit code 3: smoke test failed/)
    expect(run.summary).not.toContain('Switch nginx')
    expectOnly(seen, '200 v4')
    expect(includeOnHost(lab)).toBe(include)
    expect(await listening(8080)).toBe(false)
    expect(running()).toEqual([`green ${appPid('green')}`])
  })

  describe('a monitoring port per slot, routed through the include', () => {
    const monitoring = { 'management-ports': '18081,18082', 'nginx-include-template': MONITORING_TEMPLATE, 'health-port': 'management' }

    beforeAll(async () => {
      // The admin's setup: the include names the monitoring port before the site that uses it is enabled.
      await lab.writeNginxFile(lab.nginxInclude, `${includeOnHost(lab)}set $service_monitoring_url http://127.0.0.1:18082;\n`)
      await useAppSite(lab, { monitoring: '/actuator/' })
    })
    afterAll(() => useAppSite(lab, {}))

    it('starts blue with its management port 18081 and routes /actuator/ to it', async () => {
      const run = await deploy('v6', monitoring)
      expectDeployed(run, 'blue')
      expectVerifiedThroughServerName(run, lab)
      expect(run.summary).toContain('on :18081 (management port)')
      expect(includeOnHost(lab)).toBe('set $service_url http://127.0.0.1:8080;\nset $service_monitoring_url http://127.0.0.1:18081;\n')
      expect(await served(lab)).toBe('200 v6')
      expect(await served(lab, '/actuator/role')).toBe('200 management')
      expect(await served(lab, '/actuator/health')).toBe('200 {"status":"UP"}')
      // Only the management port has the actuator now.
      expect((await lab.httpGet('http://127.0.0.1:8080/actuator/health')).status).toBe(404)
    })

    it('moves both routes to green and its management port 18082', async () => {
      const run = await deploy('v7', monitoring)
      expectDeployed(run, 'green')
      expectVerifiedThroughServerName(run, lab)
      expect(includeOnHost(lab)).toBe('set $service_url http://127.0.0.1:8081;\nset $service_monitoring_url http://127.0.0.1:18082;\n')
      expect(await served(lab, '/actuator/role')).toBe('200 management')
      expect(await served(lab)).toBe('200 v7')
      expect(await listening(18081)).toBe(false)
    })
  })

  describe('hostile env and app-args, whatever the login shell', () => {
    const hostile = { env: envInput(HOSTILE_ENV), 'app-args': appArgsInput([...HOSTILE_ARGS, 'two\nlines']) }
    const cases: [DebianUserKey, string, string, 'blue' | 'green'][] = [
      ['deploy', 'shop', 'v8', 'blue'],
      // Its predecessor stopped, nginx still routes to blue: the deploy goes there (as onto a fresh server).
      ['zsh', 'shop-zsh', 'v9', 'blue'],
      ['fish', 'shop-fish', 'v10', 'blue']
    ]
    let previous: [DebianUserKey, string] = ['deploy', 'shop']

    it.each(cases)('as %s (app %s)', async (user, app, version, color) => {
      // The slot ports are the same for every user: the previous user's app makes way.
      if (previous[0] !== user) await stopApp(...previous)
      previous = [user, app]
      const run = await deploy(version, hostile, user, app)
      expectDeployed(run, color)
      expectVerifiedThroughServerName(run, lab)
      expect(await served(lab)).toBe(`200 ${version}`)
      expectRanAs(user, color, app)
      const argv = argvOf(appPid(color, user, app))
      expect(argv.slice(argv.indexOf('-jar') + 2)).toEqual([...HOSTILE_ARGS, 'two\nlines'])
      for (const [key, value] of Object.entries(HOSTILE_ENV)) expect(await served(lab, `/env/${key}`)).toBe(`200 ${value}`)
      expect(run.stdout.match(GREETING_WARNING) ?? []).toHaveLength(user === 'deploy' ? 1 : 0)
    })
  })
})

const releases = () => readdirSync(`${remoteDir(lab, 'deploy', 'shop')}/releases`).sort()

/** Stops a user's app (as root, by its recorded PIDs) and waits until its slot ports are free. */
async function stopApp(user: DebianUserKey, app: string): Promise<void> {
  const pids = running(user, app).map(line => Number(line.split(' ')[1]))
  for (const pid of pids) process.kill(pid, 'SIGTERM')
  for (const pid of pids) await untilExited(pid)
  for (const port of [8080, 8081]) await untilClosed(port)
}
