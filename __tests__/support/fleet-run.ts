/**
 * A FleetRun built by hand, for unit tests of the strategies across hosts. Each app host is a FakeRemote with the
 * real jar runtime and state records on it, plus a small AppHost fake for what needs a network (health, drain);
 * nginx is a Proxy fake that keeps every include written, on a FakeRemote of its own (the canary's access log).
 * `events` lists, in order, what every host and nginx did.
 */
import type { FleetRun, HostPlan } from '../../src/fleet/fleet-context.js'
import { liveRoute, upstreamInclude } from '../../src/fleet/routes.js'
import type { HealthAttempt, HealthResult } from '../../src/health/health.js'
import { emptyOutcome } from '../../src/outcome.js'
import type { Preflight, Proxy, Restored, SwitchStage } from '../../src/proxy/proxy.js'
import { Report } from '../../src/report/report.js'
import { JarRuntime } from '../../src/runtimes/jar.js'
import type { AppHost, AppRuntime } from '../../src/runtimes/runtime.js'
import { parseProbe } from '../../src/server/probe.js'
import { ServerRecords } from '../../src/server/records.js'
import { slotOf, type Color, type Slot } from '../../src/server/slots.js'
import { readSettings, type Settings } from '../../src/settings/settings.js'
import type { RemoteCommand } from '../../src/ssh/remote.js'
import { FakeRemote, ok } from './fake-remote.js'
import { probeOutput } from './probe-output.js'

export const RELEASE = 'c'.repeat(64)

const slotIn = (command: RemoteCommand) => /slots\/(blue|green)/.exec(command.argv.join(' '))?.[1] ?? '?'

/** Health and drain of one app host, without a network; the runtime (start, stop) runs on its FakeRemote. */
export class FakeAppHost implements AppHost {
  /** How many health checks answer healthy (at start, then at each canary gate); every one after that fails. */
  healthyChecks = Infinity
  private checks = 0

  constructor(
    readonly remote: FakeRemote,
    readonly runtime: AppRuntime,
    private readonly name: string,
    private readonly events: string[]
  ) {}

  async healthCheck(target: Slot, onAttempt: (attempt: HealthAttempt) => void): Promise<HealthResult> {
    this.events.push(`${this.name}: health ${target.color}`)
    const healthy = ++this.checks <= this.healthyChecks
    const attempt = { atMs: 0, status: healthy ? 200 : 503, latencyMs: 1, ok: healthy, detail: '' }
    onAttempt(attempt)
    return { healthy, attempts: [attempt], reason: healthy ? '' : 'HTTP 503 on /actuator/health' }
  }

  healthPort(slot: Slot): number {
    return slot.port
  }

  async drain(slot: Slot): Promise<string> {
    this.events.push(`${this.name}: drain ${slot.color}`)
    return 'no open connections'
  }

  async cancelKeepTimers(): Promise<void> {}

  async stopLater(): Promise<void> {
    throw new Error('keep-previous is refused across hosts')
  }
}

/** The nginx host's proxy role: keeps each include written (tested and reloaded at once) and each restore. */
export class FakeProxy implements Proxy {
  readonly routeFile = '/etc/nginx/conf.d/service-url.inc'
  readonly writes: string[] = []
  readonly restores: (string | null)[] = []

  constructor(private readonly events: string[]) {}

  async preflight(): Promise<Preflight> {
    return { note: '', warnings: [] }
  }

  routeTo(): string {
    throw new Error('routeTo is for one server')
  }

  async switchTo(): Promise<void> {
    throw new Error('switchTo is for one server')
  }

  async write(text: string, reached: (stage: SwitchStage) => void): Promise<void> {
    this.writes.push(text)
    this.events.push(`nginx: write #${this.writes.length}`)
    reached('include-written')
    reached('reloaded')
  }

  async restore(previous: string | null): Promise<Restored> {
    this.restores.push(previous)
    this.events.push('nginx: restore')
    return { restored: true, note: 'the include was restored' }
  }

  async verify(): Promise<string> {
    this.events.push('nginx: verify')
    return 'http://shop.example.com/actuator/health → HTTP 200'
  }
}

export interface FakeFleet {
  run: FleetRun
  apps: { name: string; remote: FakeRemote; app: FakeAppHost }[]
  nginx: FakeRemote
  proxy: FakeProxy
  events: string[]
}

export interface FleetOptions {
  /** Inputs on top of three app hosts app1..app3 behind nginx on lb. */
  inputs?: Record<string, string>
  /** Each host's live color before the run (null: nothing serves there); blue everywhere by default. */
  live?: (Color | null)[]
}

export function fakeFleet({ inputs = {}, live }: FleetOptions = {}): FakeFleet {
  const settings = fleetSettings(inputs)
  const events: string[] = []
  const names = settings.fleet.appHosts.map(target => target.host)
  const apps = names.map(name => {
    const remote = appRemote(name, events)
    return { name, remote, app: new FakeAppHost(remote, JarRuntime.kept(settings, remote, RELEASE), name, events) }
  })
  const hosts: HostPlan[] = settings.fleet.appHosts.map((target, i) => {
    const liveColor = live ? live[i] : 'blue'
    const liveSlot = liveColor ? slotOf(settings.slots, liveColor) : null
    const member = { target, app: apps[i].app, records: new ServerRecords(apps[i].remote, settings.remoteDir) }
    const probe = parseProbe(probeOutput({ listening: liveSlot ? [liveSlot.port] : [] }), settings.slots, null)
    const plan = {
      live: liveSlot,
      target: slotOf(settings.slots, liveColor === 'blue' ? 'green' : 'blue'),
      staleInTarget: false,
      warnings: []
    }
    return { member, probe, plan, before: liveSlot ? 'b'.repeat(64) : '' }
  })
  const anyLive = hosts.some(host => host.plan.live)
  const proxy = new FakeProxy(events)
  const nginx = new FakeRemote()
  const run: FleetRun = {
    settings,
    report: new Report(),
    outcome: emptyOutcome(),
    run: { actor: 'me', runUrl: 'https://ci/run/1', commit: 'abc123', token: 'tok' },
    progress: () => {},
    nginxRemote: nginx,
    members: hosts.map(host => host.member),
    proxy: () => proxy,
    proxyRole: proxy,
    hosts,
    includeBefore: anyLive ? upstreamInclude(settings, hosts, liveRoute) : null
  }
  return { run, apps, nginx, proxy, events }
}

function fleetSettings(inputs: Record<string, string>): Settings {
  const all: Record<string, string> = {
    host: 'app1, app2, app3',
    'nginx-host': 'lb',
    username: 'deploy',
    password: 'pw',
    jar: 'x.jar',
    'app-name': 'api',
    ...inputs
  }
  return readSettings(name => all[name] ?? '')
}

/** An app host's connection: the runtime's start and stop, and the state record, each noted in `events`. */
function appRemote(name: string, events: string[]): FakeRemote {
  const note = (text: string, stdout = '') => {
    events.push(`${name}: ${text}`)
    return ok(stdout)
  }
  return new FakeRemote()
    .on('start new version', command => note(`start ${slotIn(command)}`, '4242\n'))
    .on('stop app', command => note(`stop ${slotIn(command)}`, 'stopped\n'))
    .on('write state.json', () => note('record'))
}
