/** The upstream include for a set of hosts, each routed to some of its slots. Pure. */
import { renderUpstream, type UpstreamServer } from '../commands/upstream.js'
import type { Slot } from '../server/slots.js'
import type { Settings } from '../settings/types.js'
import type { HostPlan } from './fleet-context.js'

/** What nginx sends to one host: its slots' ports, each with a weight or taken out (down). */
export type HostRoute = { port: number; weight?: number; down?: boolean }[]

export const to = (slot: Slot | null, options: { weight?: number; down?: boolean } = {}): HostRoute =>
  slot ? [{ port: slot.port, ...options }] : []

/** Each host routed to its live slot (as before the run). */
export const liveRoute = (host: HostPlan): HostRoute => to(host.plan.live)

/** Each host routed to the new version. */
export const targetRoute = (host: HostPlan): HostRoute => to(host.plan.target)

export function upstreamInclude(
  settings: Pick<Settings, 'fleet' | 'slots'>,
  hosts: HostPlan[],
  routeOf: (host: HostPlan) => HostRoute,
  extra = ''
): string {
  const upstream = settings.fleet.upstream
  if (!upstream) throw new Error('upstreamInclude() without an upstream')
  const servers: UpstreamServer[] = hosts.flatMap(host => routeOf(host).map(route => ({ address: host.member.target.address, ...route })))
  // nginx refuses an upstream without servers: before the first deploy has anything to route to, one placeholder
  // that takes no traffic.
  const listed = servers.length ? servers : [{ address: '127.0.0.1', port: settings.slots.blue, down: true }]
  return renderUpstream(upstream, listed, extra)
}

/** The hosts in groups of `size`, in the order given. */
export function batches<T>(items: T[], size: number): T[][] {
  const groups: T[][] = []
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size))
  return groups
}
