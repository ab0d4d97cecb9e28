/** Reads the kernel's TCP tables (/proc/net/tcp and tcp6), so the server needs no ss or netstat. */
import { script } from './commands/script.js'
import type { RemoteCommand } from './remote.js'

const LISTEN = '0A'
const ESTABLISHED = '01'

interface TcpEntry {
  localPort: number
  remotePort: number
  state: string
}

export function parseTcpTable(text: string): TcpEntry[] {
  const entries: TcpEntry[] = []
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 4 || !/^\d+:$/.test(fields[0])) continue
    const localPort = parseInt(fields[1].split(':').pop() ?? '', 16)
    const remotePort = parseInt(fields[2].split(':').pop() ?? '', 16)
    if (!Number.isNaN(localPort)) entries.push({ localPort, remotePort, state: fields[3] })
  }
  return entries
}

export function isListening(entries: TcpEntry[], port: number): boolean {
  return entries.some(entry => entry.localPort === port && entry.state === LISTEN)
}

/**
 * Open connections to `port`. Counted from whichever side this network namespace sees more of: the
 * accepting side (a process on the host) or the connecting side (nginx's upstream connections, which is
 * all the host sees when a container engine NATs the port into the container's own namespace).
 */
export function openConnections(entries: TcpEntry[], port: number): number {
  const established = entries.filter(entry => entry.state === ESTABLISHED)
  const accepted = established.filter(entry => entry.localPort === port).length
  const connecting = established.filter(entry => entry.remotePort === port).length
  return Math.max(accepted, connecting)
}

// A busy server holds tens of thousands of sockets (megabytes of table), so only the lines whose local or
// remote port is one of ours travel back. Ports are given as the table writes them: 4 upper-case hex digits.
const FILTER = `awk -v ports=" $* " '{ n = split($2, l, ":"); m = split($3, r, ":");
  if (index(ports, " " l[n] " ") || index(ports, " " r[m] " ")) print }' /proc/net/tcp /proc/net/tcp6 2>/dev/null || true`

export function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0')
}

/** The TCP table lines of these ports only. */
export function readTcpTables(ports: number[]): RemoteCommand {
  return { label: 'read TCP connections', argv: script(FILTER, ports.map(hexPort)), timeoutMs: 15_000 }
}

/** The same filter, as a line to paste into a constant script whose arguments start with the ports. */
export const TCP_FILTER_SCRIPT = FILTER
