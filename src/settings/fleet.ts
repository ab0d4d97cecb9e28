/** The topology part of the settings: the app hosts, a separate nginx host, the upstream and the strategy. */
import { InputError } from '../errors.js'
import {
  HOST,
  parseChoice,
  parseDuration,
  parseFingerprints,
  parseHostPort,
  parseHosts,
  parseInteger,
  parseList,
  parsePort
} from './inputs.js'
import { STRATEGIES, type AppHostTarget, type Settings, type CanarySettings, type ConnectionSettings, type FleetSettings } from './types.js'

type Input = (name: string, fallback?: string) => string

export const DEFAULT_UPSTREAM_SERVER = 'server {address}:{port};'

export function readFleet(input: Input, read: (name: string) => string, first: ConnectionSettings, appName: string): FleetSettings {
  // A host without :port is on the 'port' input's port, whatever port the first host names.
  const defaultPort = parsePort('port', input('port', '22'))
  const hosts = parseHosts(input('host'), defaultPort)
  const nginxHost = readNginxHost(input, read, first, defaultPort)
  const strategy = parseChoice('strategy', input('strategy', 'blue-green'), STRATEGIES)
  const appHosts = readAddresses(input('app-address'), hosts, nginxHost)
  const upstreamMode = hosts.length > 1 || nginxHost !== null || strategy !== 'blue-green'
  return {
    appHosts,
    nginxHost,
    upstream: upstreamMode ? readUpstream(input, appName) : null,
    strategy,
    rollingBatch: parseInteger('rolling-batch', input('rolling-batch', '1'), 1, 1000),
    canary: readCanary(input)
  }
}

function readNginxHost(
  input: Input,
  read: (name: string) => string,
  first: ConnectionSettings,
  defaultPort: number
): ConnectionSettings | null {
  const value = input('nginx-host')
  if (!value) {
    for (const name of ['nginx-username', 'nginx-private-key', 'nginx-host-fingerprint']) {
      const given = read(name).trim()
      const shown = name === 'nginx-private-key' ? '(hidden)' : given
      if (given) throw new InputError(name, shown, "to be empty while 'nginx-host' is empty (nginx runs on the app host)")
    }
    return null
  }
  const { host, port } = parseHostPort('nginx-host', value, defaultPort)
  if (host === first.host && port === first.port) return null
  const key = read('nginx-private-key').trim()
  if (key && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key))
    throw new InputError(
      'nginx-private-key',
      '(hidden)',
      'a private key in PEM/OpenSSH form, starting with -----BEGIN ... PRIVATE KEY-----'
    )
  const fingerprints = read('nginx-host-fingerprint').trim()
  return {
    ...first,
    host,
    port,
    username: input('nginx-username', first.username),
    privateKey: key ? `${key}\n` : first.privateKey,
    hostFingerprints: fingerprints ? parseFingerprints('nginx-host-fingerprint', fingerprints) : first.hostFingerprints
  }
}

/** nginx reaches an app host by its name as given, or by 127.0.0.1 when it runs on that host itself. */
function readAddresses(value: string, hosts: ReturnType<typeof parseHosts>, nginxHost: ConnectionSettings | null): AppHostTarget[] {
  const given = parseList(value)
  if (given.length && given.length !== hosts.length) {
    throw new InputError('app-address', value, `one address per host in 'host' (${hosts.length}), in the same order`)
  }
  const targets = hosts.map((target, index) => {
    const sharesNginx = nginxHost === null ? index === 0 : nginxHost.host === target.host && nginxHost.port === target.port
    const address = given[index] ?? (sharesNginx ? '127.0.0.1' : target.host)
    if (!HOST.test(address)) throw new InputError('app-address', address, 'a host name or IP address nginx can reach the app host at')
    return { ...target, address }
  })
  // nginx tells the hosts apart by address (the upstream's lines, the canary's log): two hosts cannot share one.
  const twice = targets.find((target, i) => targets.findIndex(other => other.address === target.address) !== i)
  if (twice) {
    throw new InputError('app-address', value || twice.address, `a different address for every host (${twice.address} is used twice)`)
  }
  return targets
}

function readUpstream(input: Input, appName: string): FleetSettings['upstream'] {
  const name = input('nginx-upstream', appName.replace(/[^A-Za-z0-9_]/g, '_'))
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new InputError('nginx-upstream', name, 'an nginx upstream name: letters, digits and _')
  const serverTemplate = input('nginx-upstream-template', DEFAULT_UPSTREAM_SERVER)
  // Exactly `server {address}:{port} [params];`: the probe reads each host's port back by its address, and the
  // strategy's weight and down go at the end of the one line.
  if (!/^server[ \t]+\{address\}:\{port\}([ \t]+[^;{}#$\n\\'\x22]*)?;$/.test(serverTemplate)) {
    throw new InputError(
      'nginx-upstream-template',
      serverTemplate,
      `one nginx server line with {address} and {port}, such as ${DEFAULT_UPSTREAM_SERVER}`
    )
  }
  if (/\b(weight|down|backup)\b/.test(serverTemplate)) {
    throw new InputError('nginx-upstream-template', serverTemplate, 'no weight, down or backup parameter (the strategy sets those)')
  }
  return { name, serverTemplate }
}

function readCanary(input: Input): CanarySettings {
  const raw = input('canary-steps', '10,50,100')
  const steps = parseList(raw).map(step => (/^\d+\s*%?$/.test(step) ? parseInt(step, 10) : NaN))
  const rising = steps.every((step, i) => step >= 1 && step <= 100 && (i === 0 || step > steps[i - 1]))
  if (!steps.length || !rising || steps.at(-1) !== 100) {
    throw new InputError('canary-steps', raw, 'rising traffic shares in percent ending at 100, such as 5,25,50,100')
  }
  return {
    steps,
    intervalMs: parseDuration('canary-interval', input('canary-interval', '60s')),
    maxErrorRate: parseRate('canary-max-error-rate', input('canary-max-error-rate', '1%')),
    maxLatencyRatio: parseRatio('canary-max-latency-ratio', input('canary-max-latency-ratio', '1.5')),
    latencyAllowanceMs: parseDuration('canary-latency-allowance', input('canary-latency-allowance', '20ms'))
  }
}

function parseRate(name: string, value: string): number {
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(value)
  const rate = percent ? Number(percent[1]) / 100 : /^\d*\.?\d+$/.test(value) ? Number(value) : NaN
  if (!(rate >= 0 && rate <= 1)) throw new InputError(name, value, 'a share such as 1% or 0.01')
  return rate
}

function parseRatio(name: string, value: string): number {
  const ratio = /^\d*\.?\d+$/.test(value) ? Number(value) : NaN
  if (!(ratio >= 1)) throw new InputError(name, value, 'a factor of at least 1, such as 1.5 (canary p95 at most 1.5 × stable p95)')
  return ratio
}

/** What runs on one server only, refused up front with several hosts or a separate nginx host. */
export function refuseOutsideOneServer(settings: Settings): void {
  const { fleet } = settings
  if (!fleet.upstream) return
  const why = "with several hosts, 'nginx-host' or a rolling or canary 'strategy'"
  if (settings.command === 'preview' || settings.command === 'preview-destroy')
    throw new InputError('command', settings.command, `deploy, redeploy, rollback or status ${why} (previews run on one server)`)
  if (settings.keepPreviousMs > 0) throw new InputError('keep-previous', `${settings.keepPreviousMs / 1000}s`, `0 ${why}`)
  const remoteApp = fleet.appHosts.find(target => target.address !== '127.0.0.1')
  if (settings.artifact.kind === 'image' && remoteApp) {
    throw new InputError(
      'image',
      settings.artifact.ref,
      `a jar while nginx reaches an app host over the network (${remoteApp.address}): image mode publishes the container's ` +
        'ports on 127.0.0.1 only, so it runs across hosts only with nginx on the app host'
    )
  }
  if (settings.hooks.beforeSwitch.length || settings.hooks.afterSwitch.length)
    throw new InputError(settings.hooks.beforeSwitch.length ? 'before-switch' : 'after-switch', '(set)', `empty ${why}`)
}
