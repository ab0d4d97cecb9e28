/** The hooks in the deploy sequence, against the recording fake Remote and a local stand-in for the new version. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { emptyOutcome } from '../../../src/outcome.js'
import { deploy } from '../../../src/deploy.js'
import type { ActionError } from '../../../src/errors.js'
import { runOperation } from '../../../src/operations.js'
import { Report } from '../../../src/report/report.js'
import { readSettings } from '../../../src/settings/settings.js'
import type { RemoteCommand } from '../../../src/ssh/remote.js'
import { singleServer } from '../../../src/wiring.js'
import { FakeRemote, fail, ok } from '../../support/fake-remote.js'
import { probeOutput } from '../../support/probe-output.js'

const SHA = 'b'.repeat(64)
const BLUE_LIVE = probeOutput({ include: 'set $service_url http://127.0.0.1:8080;', listening: [8080] })

let app: Server
let appPort: number
beforeAll(async () => {
  app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP"}'))
  await new Promise<void>(resolve => app.listen(0, '127.0.0.1', resolve))
  appPort = (app.address() as AddressInfo).port
})
afterAll(() => new Promise(resolve => app.close(resolve)))

function setup(inputs: Record<string, string>) {
  const all: Record<string, string> = {
    host: 'srv',
    username: 'deploy',
    password: 'pw',
    jar: 'x.jar',
    'app-name': 'api',
    env: 'DB_PASSWORD=s3cret-value',
    'health-timeout': '2s',
    'drain-timeout': '1s',
    ...inputs
  }
  const settings = readSettings(name => all[name] ?? '')
  const alive = new Set(['blue'])
  const slotOf = (command: RemoteCommand) => command.argv.join(' ').match(/slots\/(blue|green)/)?.[1] ?? ''
  /** Tunnels (the health check, the check through nginx) and hook runs, in order. */
  const events: string[] = []
  const remote = new FakeRemote(port => (events.push(`tunnel :${port}`), appPort))
    .on('read server state', ok(BLUE_LIVE))
    .on('start new version', command => (alive.add(slotOf(command)), ok('4242\n')))
    .on('stop app', command => (alive.delete(slotOf(command)), ok('stopped\n')))
    .on('check new version is running', command => ok(alive.has(slotOf(command)) ? 'alive\n' : 'dead\n'))
  const blocks: string[] = []
  const report = new Report(
    () => {},
    undefined,
    (title, text) => blocks.push(`${title}\n${text}`)
  )
  const ctx = {
    settings,
    remote,
    report,
    outcome: emptyOutcome(),
    run: { actor: 'me', runUrl: '', commit: '', token: 'tok' },
    progress: () => {}
  }
  const run = () => deploy(singleServer(ctx, { jar: { path: '/tmp/x.jar', sha256: SHA, size: 10 } }))
  return { remote, report, blocks, ctx, run, events }
}

const hookCommand = (remote: FakeRemote, name: string) => remote.commands.find(command => command.label === `${name} hook`)

describe('before-switch hook', () => {
  it('runs once the new version is healthy, before nginx is touched, with the new slot in its environment', async () => {
    const { remote, report, blocks, run, events } = setup({ 'before-switch': './smoke.sh --fast', 'hook-timeout': '2m' })
    remote.on('before-switch hook', () => (events.push('before-switch hook'), ok('smoke test passed\n')))
    const outcome = await run()
    expect(events).toEqual(['tunnel :8081', 'before-switch hook', 'tunnel :80'])
    const labels = remote.labels()
    expect(labels.indexOf('before-switch hook')).toBeLessThan(labels.indexOf('write nginx include'))
    const hook = hookCommand(remote, 'before-switch')!
    expect(hook.argv.slice(4)).toEqual(['bluegreen/api', '120', `releases/${SHA.slice(0, 16)}/app.jar`, './smoke.sh', '--fast'])
    expect(hook.stdin).toBe(
      [
        'DB_PASSWORD=s3cret-value',
        'BLUEGREEN_HOOK=before-switch',
        'BLUEGREEN_COMMAND=deploy',
        'BLUEGREEN_APP=api',
        'BLUEGREEN_MODE=jar',
        `BLUEGREEN_RELEASE=${SHA}`,
        'BLUEGREEN_COLOR=green',
        'BLUEGREEN_PORT=8081',
        'BLUEGREEN_URL=http://127.0.0.1:8081',
        'BLUEGREEN_PREVIOUS_COLOR=blue',
        'BLUEGREEN_PREVIOUS_PORT=8080',
        ''
      ].join('\n')
    )
    expect(outcome.live).toEqual({ color: 'green', port: 8081 })
    expect(outcome.hooks).toEqual([
      {
        name: 'before-switch',
        command: './smoke.sh --fast',
        code: 0,
        timedOut: false,
        durationMs: expect.any(Number),
        output: 'smoke test passed'
      }
    ])
    expect(report.steps.find(step => step.name === 'Run before-switch hook')?.note).toBe('exit code 0: smoke test passed')
    expect(blocks).toEqual(['Output of the before-switch hook (exit code 0)\nsmoke test passed'])
  })

  it('sees the app env as the new version does, with its ports filled in, and the management port', async () => {
    const { remote, run } = setup({
      'before-switch': './migrate.sh',
      env: 'APP_URL=http://127.0.0.1:{port}/\nMETRICS={management-port}',
      'management-ports': '18081,18082'
    })
    remote.on('before-switch hook', ok('migrated\n'))
    await run()
    const stdin = hookCommand(remote, 'before-switch')!.stdin!.split('\n')
    expect(stdin.slice(0, 2)).toEqual(['APP_URL=http://127.0.0.1:8081/', 'METRICS=18082'])
    expect(stdin).toContain('BLUEGREEN_MANAGEMENT_PORT=18082')
  })

  it('rolls back when it fails: the new version stops and the include is never written', async () => {
    const { remote, run, ctx } = setup({ 'before-switch': './migrate.sh' })
    remote.on('before-switch hook', { code: 3, stdout: 'applying V42\nERROR: relation "orders" already exists\n', stderr: '' })
    await expect(run()).rejects.toMatchObject({
      message: expect.stringMatching(/^The before-switch hook \(\.\/migrate\.sh\) failed with exit code 3: applying V42\nERROR: relation/),
      serverState: 'The live version (blue :8080) kept serving and still does; the new version on green :8081 was stopped.',
      hint: expect.stringMatching(/its output is in the summary.*run the deploy again/)
    })
    expect(remote.labels()).not.toContain('write nginx include')
    expect(remote.labels().slice(-2)).toEqual(['read app log', 'stop app'])
    expect(ctx.outcome.live).toEqual({ color: 'blue', port: 8080 })
    expect(ctx.outcome.hooks.map(hook => [hook.code, hook.output])).toEqual([[3, 'applying V42\nERROR: relation "orders" already exists']])
  })

  it('does not run when none is set', async () => {
    const { remote, report, run } = setup({})
    await run()
    expect(remote.labels().filter(label => label.endsWith(' hook'))).toEqual([])
    expect(report.steps.map(step => step.name)).not.toContain('Run before-switch hook')
  })
})

describe('after-switch hook', () => {
  it('runs last, once traffic has moved and the state is recorded', async () => {
    const { remote, run } = setup({ 'before-switch': 'true', 'after-switch': 'sh -c "echo done"' })
    await run()
    const labels = remote.labels()
    expect(labels.slice(-4)).toEqual(['prune old releases', 'write state.json', 'record history', 'after-switch hook'])
    expect(labels.filter(label => label.endsWith(' hook'))).toEqual(['before-switch hook', 'after-switch hook'])
    expect(hookCommand(remote, 'after-switch')!.argv.slice(-3)).toEqual(['sh', '-c', 'echo done'])
    expect(hookCommand(remote, 'after-switch')!.stdin).toContain('BLUEGREEN_HOOK=after-switch\n')
  })

  it('fails the run when it fails, but undoes nothing: traffic stays on the new version', async () => {
    const { remote, run, ctx } = setup({ 'after-switch': './notify.sh' })
    remote.on('after-switch hook', fail(1, 'could not reach chat'))
    const error = (await run().catch((failure: ActionError) => failure)) as ActionError
    expect(error.message).toBe('The after-switch hook (./notify.sh) failed with exit code 1: could not reach chat')
    expect(error.serverState).toBe(
      'Traffic had moved: nginx routes to the new version on green :8081, which serves, and the deploy is recorded. ' +
        "The old version (blue :8080) was drained and stopped, as in any deploy. The after-switch hook's failure undid nothing."
    )
    expect(ctx.outcome.live).toEqual({ color: 'green', port: 8081 })
    expect(remote.labels().filter(label => label.startsWith('restore') || label === 'read app log')).toEqual([])
    expect(remote.labels().slice(-2)).toEqual(['record history', 'after-switch hook'])
  })
})

describe('status', () => {
  it('runs no hook', async () => {
    const { remote, ctx } = setup({ command: 'status', 'before-switch': './migrate.sh', 'after-switch': './notify.sh' })
    await runOperation({ ...ctx, jar: null, wire: singleServer })
    expect(remote.labels()).toContain('read state.json')
    expect(remote.labels().filter(label => label.endsWith(' hook'))).toEqual([])
  })
})
