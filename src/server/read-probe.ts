/** Runs the one-round-trip probe of the server and parses what it found. */
import { probeServer } from '../commands/probe.js'
import type { Settings } from '../settings/settings.js'
import { runChecked, type Remote } from '../ssh/remote.js'
import { parseProbe, type ServerProbe } from './probe.js'

/** Probes the server in one round trip: the nginx include, the slots' ports, state.json, the program, sudo. */
export async function readProbe(remote: Remote, settings: Settings, program: string): Promise<ServerProbe> {
  const { nginx, remoteDir, slots } = settings
  const output = await runChecked(remote, probeServer(nginx.include, remoteDir, program, [slots.blue, slots.green]))
  return parseProbe(output, slots, nginx.template)
}
