import { emptyOutcome } from '../../src/outcome.js'
import type { InFlight } from '../../src/progress.js'
import { Report } from '../../src/report/report.js'
import { finishInterrupted, repairInterrupted } from '../../src/repair.js'
import { readSettings } from '../../src/settings/settings.js'
import { singleServer } from '../../src/wiring.js'
import { FakeRemote, ok } from '../support/fake-remote.js'

const BLUE = 'set $service_url http://127.0.0.1:8080;\n'
const GREEN = 'set $service_url http://127.0.0.1:8081;\n'
const LISTEN = (port: number) => `   0: 0100007F:${port.toString(16).toUpperCase()} 00000000:0000 0A 0 0 0 0 0 1 1 0 100 0 0 10 0`

/** A run that was deploying green while blue served, and died. */
const progress: InFlight = {
  phase: 'started',
  mode: 'jar',
  runToken: 'mine',
  target: { color: 'green', port: 8081 },
  live: { color: 'blue', port: 8080 },
  includeBefore: BLUE,
  includeWritten: GREEN,
  finish: {
    record: {
      app: 'api',
      mode: 'jar',
      live: { color: 'green', port: 8081, release: 'r2' },
      previous: { color: 'blue', port: 8080, release: 'r1' },
      deployedBy: { actor: 'me', runUrl: '', commit: '' }
    },
    history: { time: 't', command: 'deploy', result: 'deployed', release: 'r2', from: null, to: null, actor: 'me', runUrl: '', commit: '' }
  }
}

function setup(include: string, greenToken: string, listening = [8080, 8081]) {
  const settings = readSettings(
    name => ({ host: 'srv', username: 'deploy', password: 'pw', jar: 'x.jar', 'app-name': 'api', 'drain-timeout': '1s' })[name] ?? ''
  )
  const probe = [
    '== uid',
    '1000',
    '== include-status',
    'present',
    '== include',
    include,
    '== record',
    '== tcp',
    ...listening.map(LISTEN),
    '== program',
    '/usr/bin/java',
    '== sudo',
    'ok'
  ].join('\n')
  const remote = new FakeRemote()
    .on('read server state', ok(probe))
    .on('read which run started the slot', command =>
      ok(command.argv.some(arg => arg.includes('slots/green')) ? `${greenToken}\n` : 'other\n')
    )
    .on('stop app', ok('stopped\n'))
  const report = new Report()
  const wired = singleServer(
    { settings, remote, report, outcome: emptyOutcome(), run: { actor: 'me', runUrl: '', commit: '', token: 't' }, progress: () => {} },
    { mode: 'jar' }
  )
  return { remote, report, ctx: { ...wired, progress } }
}

const stopped = (remote: FakeRemote) =>
  remote.commands.filter(c => c.label === 'stop app').map(c => c.argv.find(a => a.includes('/slots/'))?.match(/slots\/(\w+)/)?.[1])

describe('post-step repair of an unverified switch', () => {
  it('puts nginx back and stops the new version when both are still its own', async () => {
    const { remote, ctx } = setup(GREEN, 'mine')
    await repairInterrupted(ctx)
    expect(remote.commands.find(c => c.label === 'restore nginx include')?.stdin).toBe(BLUE)
    expect(remote.labels()).toEqual(expect.arrayContaining(['nginx config test', 'nginx reload', 'read TCP connections']))
    expect(stopped(remote)).toEqual(['green'])
  })

  it('only stops the new version when nginx was never switched', async () => {
    const { remote, ctx } = setup(BLUE, 'mine')
    await repairInterrupted(ctx)
    expect(remote.labels()).not.toContain('restore nginx include')
    expect(stopped(remote)).toEqual(['green'])
  })

  it("changes nothing when another run's version runs in the slot now, even with the same include text", async () => {
    const { remote, report, ctx } = setup(GREEN, 'theirs')
    await repairInterrupted(ctx)
    expect(remote.labels()).not.toContain('restore nginx include')
    expect(stopped(remote)).toEqual([])
    expect(report.steps.map(step => step.note)).toContain('left alone: another deploy changed nginx or the slot since the interrupted run')
  })

  it('leaves nginx on the new version when the old one no longer answers', async () => {
    const { remote, ctx } = setup(GREEN, 'mine', [8081])
    await repairInterrupted(ctx)
    expect(remote.labels()).not.toContain('restore nginx include')
    expect(stopped(remote)).toEqual([])
  })
})

describe('post-step finish of a verified switch', () => {
  it('drains and stops the old version, then records state and history', async () => {
    const { remote, ctx } = setup(GREEN, 'mine')
    await finishInterrupted({ ...ctx, progress: { ...progress, phase: 'switched' } })
    expect(stopped(remote)).toEqual(['blue'])
    expect(remote.labels().slice(-2)).toEqual(['write state.json', 'record history'])
    expect(JSON.parse(remote.commands.find(c => c.label === 'record history')?.argv.at(-2) ?? '{}')).toMatchObject({
      release: 'r2',
      finishedBy: 'post step'
    })
  })

  it('finishes nothing once another deploy has moved nginx', async () => {
    const { remote, ctx } = setup(BLUE, 'mine')
    await finishInterrupted({ ...ctx, progress: { ...progress, phase: 'switched' } })
    expect(stopped(remote)).toEqual([])
    expect(remote.labels()).not.toContain('write state.json')
  })
})
