/** Reads the kernel's TCP tables (/proc/net/tcp and tcp6), so the server needs no ss or netstat. */

const LISTEN = '0A'
const ESTABLISHED = '01'

interface TcpEntry {
  localPort: number
  state: string
}

export function parseTcpTable(text: string): TcpEntry[] {
  const entries: TcpEntry[] = []
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 4 || !/^\d+:$/.test(fields[0])) continue
    const port = parseInt(fields[1].split(':').pop() ?? '', 16)
    if (!Number.isNaN(port)) entries.push({ localPort: port, state: fields[3] })
  }
  return entries
}

export function isListening(entries: TcpEntry[], port: number): boolean {
  return entries.some(entry => entry.localPort === port && entry.state === LISTEN)
}

/** Connections accepted on `port` that are still open (the server side of each). */
export function establishedOn(entries: TcpEntry[], port: number): number {
  return entries.filter(entry => entry.localPort === port && entry.state === ESTABLISHED).length
}

export function readTcpTables(): { label: string; argv: string[]; timeoutMs: number } {
  return { label: 'read TCP connections', argv: ['cat', '/proc/net/tcp', '/proc/net/tcp6'], timeoutMs: 15_000 }
}
