/** Parses what commands/tcp.ts reads: `ss -tn` lines, or the kernel's TCP table lines when ss is missing. Pure. */

type TcpState = 'listen' | 'established' | 'other'

interface TcpEntry {
  localPort: number
  remotePort: number
  state: TcpState
}

const PROC_STATES: Record<string, TcpState> = { '0A': 'listen', '01': 'established' }
const SS_STATES: Record<string, TcpState> = { LISTEN: 'listen', ESTAB: 'established' }

export function parseTcpTable(text: string): TcpEntry[] {
  const entries: TcpEntry[] = []
  for (const line of text.split('\n')) {
    const entry = parseProcLine(line) ?? parseSsLine(line)
    if (entry) entries.push(entry)
  }
  return entries
}

// "   0: 0100007F:1F90 00000000:0000 0A ...": addresses and ports in hex, the state as a hex code.
function parseProcLine(line: string): TcpEntry | null {
  const fields = line.trim().split(/\s+/)
  if (fields.length < 4 || !/^\d+:$/.test(fields[0])) return null
  const localPort = parseInt(fields[1].split(':').pop() ?? '', 16)
  const remotePort = parseInt(fields[2].split(':').pop() ?? '', 16)
  if (Number.isNaN(localPort)) return null
  return { localPort, remotePort: Number.isNaN(remotePort) ? 0 : remotePort, state: PROC_STATES[fields[3]] ?? 'other' }
}

// "ESTAB 0 0 [::ffff:127.0.0.1]:8080 [::ffff:127.0.0.1]:53422": the port follows the last colon; a listener's
// peer is "*". The header line ("State Recv-Q ...") names no state and is skipped.
function parseSsLine(line: string): TcpEntry | null {
  const fields = line.trim().split(/\s+/)
  const state = SS_STATES[fields[0]]
  if (fields.length < 5 || state === undefined) return null
  const port = (address: string) => parseInt(address.slice(address.lastIndexOf(':') + 1), 10)
  const localPort = port(fields[3])
  const remotePort = port(fields[4])
  if (Number.isNaN(localPort)) return null
  return { localPort, remotePort: Number.isNaN(remotePort) ? 0 : remotePort, state }
}

export function isListening(entries: TcpEntry[], port: number): boolean {
  return entries.some(entry => entry.localPort === port && entry.state === 'listen')
}

/**
 * Open connections to `port`. Counted from whichever side this network namespace sees more of: the
 * accepting side (a process on the host) or the connecting side (nginx's upstream connections, which is
 * all the host sees when a container engine NATs the port into the container's own namespace).
 */
export function openConnections(entries: TcpEntry[], port: number): number {
  const established = entries.filter(entry => entry.state === 'established')
  const accepted = established.filter(entry => entry.localPort === port).length
  const connecting = established.filter(entry => entry.remotePort === port).length
  return Math.max(accepted, connecting)
}
