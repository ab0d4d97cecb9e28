/** Reads the kernel's TCP tables (/proc/net/tcp and tcp6), so the server needs no ss or netstat. */
import { script, type RemoteCommand } from './script.js'

// A busy server holds tens of thousands of sockets (megabytes of table), so only the lines whose local or
// remote port is one of ours travel back. Ports are given as the table writes them: 4 upper-case hex digits.
export const TCP_FILTER_SCRIPT = `awk -v ports=" $* " '{ n = split($2, l, ":"); m = split($3, r, ":");
  if (index(ports, " " l[n] " ") || index(ports, " " r[m] " ")) print }' /proc/net/tcp /proc/net/tcp6 2>/dev/null || true`

export function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0')
}

/** The TCP table lines of these ports only. */
export function readTcpTables(ports: number[]): RemoteCommand {
  return { label: 'read TCP connections', argv: script(TCP_FILTER_SCRIPT, ports.map(hexPort)), timeoutMs: 15_000 }
}
