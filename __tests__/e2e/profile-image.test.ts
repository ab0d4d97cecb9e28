/**
 * Issue 12's "Done when", image mode, on the debian lab profile (as profile-jar.test.ts, with plain `docker` on
 * /var/run/docker.sock for every user). Each run sets only the connection inputs, `image`, `app-name` and the
 * registry's credentials (the lab's registry is private), plus what its scenario needs by nature. One lab for
 * the whole file: its scenarios run in order.
 */
import { execFile } from 'node:child_process'
import { statSync } from 'node:fs'
import { promisify } from 'node:util'
import { startDebianLab, type BuiltImage, type DebianLab, type DebianUserKey } from '../../lab/lab.mjs'
import { debianInputs, runAction } from '../../lab/run-action.mjs'
import { envInput, HOSTILE_ARGS, HOSTILE_ENV } from '../support/hostile-values.js'
import {
  clientsThrough443,
  errorOf,
  expectDeployed,
  expectOnly,
  expectVerifiedThroughServerName,
  includeOnHost,
  listening,
  MONITORING_TEMPLATE,
  remoteDir,
  requireServerName,
  served,
  untilClosed,
  useAppSite
} from '../support/profile.js'

let lab: DebianLab
const images = new Map<string, Promise<BuiltImage>>()
const GREETING_WARNING = /^::warning::The login shell of ([\w-]+)@127\.0\.0\.1 printed text before each command/gm

beforeAll(async () => {
  lab = await startDebianLab({ name: 'profile-image', images: true })
  await requireServerName(lab)
}, 20 * 60_000)
afterAll(() => lab?.stop())

function image(version: string): Promise<BuiltImage> {
  if (!images.has(version)) images.set(version, lab.docker!.buildImage(version))
  return images.get(version)!
}

async function deploy(version: string, extra: Record<string, string> = {}, user: DebianUserKey = 'deploy', app = 'shop') {
  const { registryUser, registryPassword } = lab.docker!
  const ref = (await image(version)).ref
  return runAction({
    ...debianInputs(lab, app, user),
    image: ref,
    'registry-username': registryUser,
    'registry-password': registryPassword,
    ...extra
  })
}

/** The lab's engine, asked as root on the host (no login shell, no greeting). */
async function docker(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('docker', ['-H', `unix://${lab.docker!.socket}`, ...args])
  return stdout.trim()
}

const containers = async () => (await docker('ps', '-a', '--format', '{{.Names}} {{.State}}')).split('\n').filter(Boolean).sort()
const pulled = async () => (await docker('image', 'ls', '--format', '{{.Repository}}:{{.Tag}}')).split('\n').filter(Boolean).sort()

/** The deploy's files on the server belong to the login user: it ran as that user. */
function expectRanAs(user: DebianUserKey, app = 'shop'): void {
  expect(statSync(`${remoteDir(lab, user, app)}/state.json`).uid).toBe(lab.users[user].uid)
}

describe('image mode on the debian profile', () => {
  it('deploys onto the fresh server as deploy, checked through 443 with the server_name', async () => {
    const run = await deploy('v1')
    expectDeployed(run, 'blue')
    expectVerifiedThroughServerName(run, lab)
    expect(await served(lab)).toBe('200 v1')
    expect(await containers()).toEqual(['shop-blue running'])
    expectRanAs('deploy')
    expect([...run.stdout.matchAll(GREETING_WARNING)].map(match => match[1])).toEqual(['deploy'])
  })

  it('moves traffic blue → green', async () => {
    const run = await deploy('v2')
    expectDeployed(run, 'green')
    expect(run.outputs['previous-color']).toBe('blue')
    expectVerifiedThroughServerName(run, lab)
    expect(await served(lab)).toBe('200 v2')
    expect(includeOnHost(lab)).toBe('set $service_url http://127.0.0.1:8081;\n')
    expect(await containers()).toEqual(['shop-green running'])
  })

  it('moves traffic green → blue', async () => {
    const run = await deploy('v3')
    expectDeployed(run, 'blue')
    expect(run.outputs['previous-color']).toBe('green')
    expectVerifiedThroughServerName(run, lab)
    expect(await served(lab)).toBe('200 v3')
    expect(includeOnHost(lab)).toBe('set $service_url http://127.0.0.1:8080;\n')
    expect(await containers()).toEqual(['shop-blue running'])
  })

  it('refuses, with nothing changed, a configuration in which no server block includes the include file', async () => {
    await image('v4')
    await useAppSite(lab, { include: false })
    try {
      const before = { include: includeOnHost(lab), containers: await containers(), images: await pulled() }
      const run = await deploy('v4')
      expect(run.code).toBe(1)
      expect(errorOf(run)).toContain(lab.nginxInclude)
      expect(errorOf(run)).toMatch(/nginx -T|\/etc\/nginx\/nginx\.conf/)
      expect(errorOf(run)).toMatch(/nothing (was )?changed/i)
      expect({ include: includeOnHost(lab), containers: await containers(), images: await pulled() }).toEqual(before)
      expect(await listening(8081)).toBe(false)
      expect(await served(lab)).toBe('200 v3')
    } finally {
      await useAppSite(lab, {})
    }
  })

  it('rolls back when the before-switch hook fails: nginx stays on the old version, which serves throughout', async () => {
    const include = includeOnHost(lab)
    const clients = clientsThrough443(lab)
    const run = await deploy('v4', { 'before-switch': `sh -c 'echo "smoke test failed" >&2; exit 3'` })
    const seen = await clients.stop()
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('failed')
    expect(errorOf(run)).toMatch(/^The before-switch hook \(.*\) failed with exit code 3: smoke test failed/)
    expect(run.summary).not.toContain('Switch nginx')
    expectOnly(seen, '200 v3')
    expect(includeOnHost(lab)).toBe(include)
    expect(await listening(8081)).toBe(false)
    expect(await containers()).toEqual(['shop-blue running'])
  })

  describe('a monitoring port per slot, routed through the include', () => {
    const monitoring = {
      'management-ports': '18081,18082',
      'app-management-port': '18080',
      'nginx-include-template': MONITORING_TEMPLATE,
      'health-port': 'management',
      // The image's app opens its management listener where this says.
      env: 'MANAGEMENT_PORT=18080'
    }

    beforeAll(async () => {
      // The admin's setup: the include names the monitoring port before the site that uses it is enabled.
      await lab.writeNginxFile(lab.nginxInclude, `${includeOnHost(lab)}set $service_monitoring_url http://127.0.0.1:18081;\n`)
      await useAppSite(lab, { monitoring: '/actuator/' })
    })
    afterAll(() => useAppSite(lab, {}))

    it('starts green with its management port 18082 published and routes /actuator/ to it', async () => {
      const run = await deploy('v5', monitoring)
      expectDeployed(run, 'green')
      expectVerifiedThroughServerName(run, lab)
      expect(run.summary).toContain('on :18082 (management port)')
      expect(includeOnHost(lab)).toBe('set $service_url http://127.0.0.1:8081;\nset $service_monitoring_url http://127.0.0.1:18082;\n')
      expect(await served(lab)).toBe('200 v5')
      expect(await served(lab, '/actuator/role')).toBe('200 management')
      expect(await served(lab, '/actuator/health')).toBe('200 {"status":"UP"}')
      expect((await docker('port', 'shop-green')).split('\n').sort()).toEqual([
        '18080/tcp -> 127.0.0.1:18082',
        '8080/tcp -> 127.0.0.1:8081'
      ])
    })

    it('moves both routes to blue and its management port 18081', async () => {
      const run = await deploy('v6', monitoring)
      expectDeployed(run, 'blue')
      expectVerifiedThroughServerName(run, lab)
      expect(includeOnHost(lab)).toBe('set $service_url http://127.0.0.1:8080;\nset $service_monitoring_url http://127.0.0.1:18081;\n')
      expect(await served(lab, '/actuator/role')).toBe('200 management')
      expect(await served(lab)).toBe('200 v6')
      expect(await listening(18082)).toBe(false)
      expect(await containers()).toEqual(['shop-blue running'])
    })
  })

  describe('hostile env and docker-run-args, whatever the login shell', () => {
    // Image mode has no app-args: docker-run-args is what reaches the server as arguments.
    const argEnv = Object.fromEntries([...HOSTILE_ARGS, 'two\nlines'].map((value, index) => [`ARG_${index}`, value]))
    const runArgs = Object.entries(argEnv)
      .map(([key, value]) => `--env '${key}=${value.replaceAll("'", `'"'"'`)}'`)
      .join(' ')
    const hostile = { env: envInput(HOSTILE_ENV), 'docker-run-args': runArgs }
    const cases: [DebianUserKey, string, string][] = [
      ['deploy', 'shop', 'v7'],
      ['zsh', 'shop-zsh', 'v8'],
      ['fish', 'shop-fish', 'v9']
    ]
    let previous = 'shop'

    // Its predecessor removed, nginx still routes to green: each deploy goes there (as onto a fresh server).
    it.each(cases)('as %s (app %s)', async (user, app, version) => {
      if (previous !== app) await removeApp(previous)
      previous = app
      const run = await deploy(version, hostile, user, app)
      expectDeployed(run, 'green')
      expectVerifiedThroughServerName(run, lab)
      expect(await served(lab)).toBe(`200 ${version}`)
      expectRanAs(user, app)
      for (const [key, value] of Object.entries({ ...HOSTILE_ENV, ...argEnv }))
        expect(await served(lab, `/env/${key}`)).toBe(`200 ${value}`)
      expect(run.stdout.match(GREETING_WARNING) ?? []).toHaveLength(user === 'deploy' ? 1 : 0)
    })
  })
})

/** Removes an app's containers (the slot ports are the same for every user) and waits until the ports are free. */
async function removeApp(app: string): Promise<void> {
  const names = (await containers()).map(line => line.split(' ')[0]).filter(name => name === `${app}-blue` || name === `${app}-green`)
  if (names.length) await docker('rm', '--force', ...names)
  for (const port of [8080, 8081]) await untilClosed(port)
}
