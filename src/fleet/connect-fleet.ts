/** Connects to every host at once: the nginx host and each app host (one connection when nginx runs on an app host). */
import type { Report } from '../report/report.js'
import { logWarning } from '../report/safe-text.js'
import type { ConnectionSettings, Settings } from '../settings/types.js'
import { SshRemote } from '../ssh/ssh-remote.js'
import { tracedRemote } from '../ssh/traced-remote.js'
import type { FleetRemotes } from './fleet-context.js'

export interface FleetConnections extends FleetRemotes {
  /** Every connection opened, to close at the end. */
  opened: SshRemote[]
}

export async function connectFleet(settings: Settings, report: Report): Promise<FleetConnections> {
  const appConnections = settings.fleet.appHosts.map(({ host, port }) => ({ ...settings.connection, host, port }))
  const nginxConnection = settings.fleet.nginxHost
  const targets = nginxConnection ? [...appConnections, nginxConnection] : appConnections
  const opened = await report.step('Connect', async note => {
    const results = await Promise.allSettled(targets.map(target => connectOne(target, report)))
    const connected = results.flatMap(result => (result.status === 'fulfilled' ? [result.value] : []))
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
    if (failed) {
      await Promise.all(connected.map(remote => remote.close()))
      throw failed.reason
    }
    note(targets.map((target, i) => `${describe(target)} (${connected[i].hostFingerprint})`).join(', '))
    return connected
  })
  if (settings.connection.skipHostKeyCheck) {
    const text = "insecure-skip-host-key-check is true: the hosts' keys were not verified. Pin them with 'known-hosts'."
    logWarning(text)
    report.warn(text)
  }
  const traced = opened.map((remote, i) => tracedRemote(remote, describe(targets[i]), line => report.debug(line)))
  const apps = traced.slice(0, appConnections.length)
  return { opened, apps, nginx: nginxConnection ? traced[appConnections.length] : apps[0] }
}

function connectOne(target: ConnectionSettings, report: Report): Promise<SshRemote> {
  return SshRemote.connect(target, {
    onGreeting: text => {
      logWarning(text)
      report.warn(text)
    }
  })
}

function describe(target: ConnectionSettings): string {
  return `${target.username}@${target.host}:${target.port}`
}
