/**
 * Reads every host at once: the nginx host (include, sudo, configuration) and each app host (its slots, its
 * state.json, the program), then plans each host's slots from the route the upstream gives it.
 */
import { parseUpstream, servingPort, type UpstreamServer } from '../commands/upstream.js'
import { probeServer } from '../commands/probe.js'
import { DeployError } from '../errors.js'
import { nginxProbeArgs } from '../proxy/nginx-access.js'
import { parseProbe, type ServerProbe } from '../server/probe.js'
import { COLORS, portsOf, slotOf, type Slots } from '../server/slots.js'
import type { Settings } from '../settings/types.js'
import { runChecked, type Remote } from '../ssh/remote.js'
import { planSlots } from '../strategy/slot-plan.js'
import type { FleetContext, HostPlan, Member } from './fleet-context.js'

export async function probeFleet(ctx: FleetContext): Promise<{ nginx: ServerProbe; hosts: HostPlan[] }> {
  const { settings } = ctx
  const [nginx, ...apps] = await Promise.all([
    probeNginxHost(ctx.nginxRemote, settings),
    ...ctx.members.map(member => probeAppHost(member, settings))
  ])
  const servers = upstreamServers(nginx.includeText, settings)
  const hosts = apps.map(({ member, probe, ours }) => {
    const routed = routedOn(probe, servers, member, settings.slots)
    const withRoute: ServerProbe = { ...probe, includeText: nginx.includeText, routed, nginx: nginx.nginx, isRoot: nginx.isRoot }
    return { member, probe: withRoute, plan: planSlots(withRoute, ours, settings.slots), before: probe.record?.live.release ?? '' }
  })
  return { nginx, hosts }
}

export async function probeNginxHost(remote: Remote, settings: Settings): Promise<ServerProbe> {
  const { nginx, remoteDir, slots } = settings
  const output = await runChecked(remote, probeServer(nginx.include, remoteDir, 'nginx', [], nginxProbeArgs(nginx)))
  return parseProbe(output, slots, null)
}

async function probeAppHost(member: Member, settings: Settings) {
  const { slots, remoteDir, nginx } = settings
  const ports = COLORS.flatMap(color => portsOf(slotOf(slots, color)))
  const args = { ...nginxProbeArgs(nginx), commands: [] }
  const [output, ours] = await Promise.all([
    runChecked(member.app.remote, probeServer('/dev/null', remoteDir, member.app.runtime.program, ports, args)),
    member.app.runtime.ourSlots()
  ])
  const probe = parseProbe(output, slots, null)
  if (!probe.programFound) throw missingProgram(member, member.app.runtime.program)
  return { member, probe, ours }
}

/** The include's upstream servers; [] when there is no include yet (the first deploy writes it). */
function upstreamServers(includeText: string | null, settings: Settings): UpstreamServer[] {
  const name = settings.fleet.upstream?.name ?? ''
  if (includeText === null || !includeText.trim()) return []
  const servers = parseUpstream(includeText, name)
  if (servers === null) {
    throw new DeployError(
      `The nginx include ${settings.nginx.include} holds no 'upstream ${name} { ... }' block: ${includeText.trim().slice(0, 200)}`,
      {
        serverState: 'Nothing was changed on the server.',
        hint: "Set 'nginx-upstream' to the upstream name the include defines, or write the include as the README shows."
      }
    )
  }
  return servers
}

function routedOn(probe: ServerProbe, servers: UpstreamServer[], member: Member, slots: Slots): ServerProbe['routed'] {
  const port = servingPort(servers, member.target.address)
  if (port === null) return null
  const color = COLORS.find(c => slots[c] === port)
  if (!color) {
    throw new DeployError(
      `nginx routes ${member.target.label} (${member.target.address}) to port ${port}, ` +
        `which is neither the blue (${slots.blue}) nor the green (${slots.green}) slot.`,
      { serverState: 'Nothing was changed on the server.', hint: "Set 'ports' so that one slot is that port, or fix the upstream by hand." }
    )
  }
  return { color, port, listening: probe.listening[color] }
}

function missingProgram(member: Member, program: string): DeployError {
  return new DeployError(`'${program}' was not found on the PATH of the login user on ${member.target.label}.`, {
    serverState: 'Nothing was changed on any host; the live version keeps serving.',
    hint: `Install it on ${member.target.label}, or set the program's input (java-command, docker-command) to its full path.`
  })
}
