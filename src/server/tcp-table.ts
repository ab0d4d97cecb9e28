/** Parses the kernel's TCP table lines that commands/tcp.ts reads. Pure. */

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
