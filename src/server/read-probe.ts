/** Runs the one-round-trip probe of the server and parses what it found. */
import { probeServer } from '../commands/probe.js'
import { nginxProbeArgs } from '../proxy/nginx-access.js'
import type { Settings } from '../settings/types.js'
import { runChecked, type Remote } from '../ssh/remote.js'
import { parseProbe, type ServerProbe } from './probe.js'
import { COLORS, portsOf, slotOf } from './slots.js'

/**
 * Probes the server in one round trip: the nginx include, the slots' ports, state.json, the program, whether
 * sudo allows each nginx command, and the nginx configuration.
 */
export async function readProbe(remote: Remote, settings: Settings, program: string): Promise<ServerProbe> {
  const { nginx, remoteDir, slots } = settings
  const ports = COLORS.flatMap(color => portsOf(slotOf(slots, color)))
  const output = await runChecked(remote, probeServer(nginx.include, remoteDir, program, ports, nginxProbeArgs(nginx)))
  return parseProbe(output, slots, nginx.template)
}
