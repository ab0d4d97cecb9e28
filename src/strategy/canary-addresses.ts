/**
 * Which upstream servers are the canary and which the stable version, as nginx's $upstream_addr names them:
 * resolved IP:port, IPv6 in brackets. Host names are resolved on the nginx host, as nginx resolved them.
 */
import { resolveNames } from '../commands/access-log.js'
import { DeployError } from '../errors.js'
import type { FleetRun, HostPlan } from '../fleet/fleet-context.js'
import type { Slot } from '../server/slots.js'
import { runChecked } from '../ssh/remote.js'

export interface CanaryAddresses {
  canary: string[]
  stable: string[]
}

const isIp = (address: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(address) || address.includes(':')

// nginx logs IPv6 in lower case inside brackets.
const key = (ip: string, port: number) => (ip.includes(':') ? `[${ip.toLowerCase()}]:${port}` : `${ip}:${port}`)

export async function canaryAddresses(run: FleetRun): Promise<CanaryAddresses> {
  const names = [...new Set(run.hosts.map(host => host.member.target.address).filter(address => !isIp(address)))]
  const resolved = new Map<string, string[]>(names.map(name => [name, []]))
  if (names.length) {
    for (const line of (await runChecked(run.nginxRemote, resolveNames(names))).split('\n')) {
      const [name, ...ips] = line.trim().split(/\s+/)
      if (resolved.has(name)) resolved.set(name, ips)
    }
  }
  const unresolved = names.filter(name => !resolved.get(name)?.length)
  if (unresolved.length) {
    throw new DeployError(`The nginx host cannot resolve ${unresolved.join(', ')}, so the canary's requests could not be told apart.`, {
      serverState: 'Nothing was changed on any host; the live version keeps serving.',
      hint: "Set 'app-address' to IP addresses, or make the names resolve on the nginx host (getent ahosts NAME)."
    })
  }
  const ipsOf = (host: HostPlan) =>
    isIp(host.member.target.address) ? [host.member.target.address] : (resolved.get(host.member.target.address) ?? [])
  const keys = (slot: (host: HostPlan) => Slot | null) =>
    run.hosts.flatMap(host => {
      const chosen = slot(host)
      return chosen ? ipsOf(host).map(ip => key(ip, chosen.port)) : []
    })
  return { canary: keys(host => host.plan.target), stable: keys(host => host.plan.live) }
}
