/**
 * Reads the slot ports' TCP sockets. `ss` asks the kernel through netlink for only these ports and states, which
 * stays fast with tens of thousands of sockets; without a working `ss` (busybox or minimal images) the
 * kernel's text tables (/proc/net/tcp and tcp6) are read instead, which the kernel writes out for every socket.
 */
import { script, type RemoteCommand } from './script.js'

// Listening and established sockets only (0A and 01 in the kernel's tables): a busy server's TIME_WAIT sockets on a
// slot port would otherwise all come back. Two states keep ss's State column (it drops it when one state is asked
// for). No -H: older ss lacks it, and the parser skips the header. Ports arrive as positional arguments, in decimal.
export const TCP_FILTER_SCRIPT = `PATH=$PATH:/usr/sbin:/sbin
if [ $# -eq 0 ]; then :
elif tcp=$(f=; for p do f="$f\${f:+ or }sport = :$p or dport = :$p"; done
  ss -tn state listening state established "( $f )" 2>/dev/null); then printf '%s\\n' "$tcp"
else awk -v ports="$*" '
  BEGIN { n = split(ports, p, " "); for (i = 1; i <= n; i++) want[sprintf("%04X", p[i])] = 1 }
  $4 == "0A" || $4 == "01" { n = split($2, l, ":"); m = split($3, r, ":"); if ((l[n] in want) || (r[m] in want)) print }' \\
  /proc/net/tcp /proc/net/tcp6 2>/dev/null || true
fi`

/** The listening and established TCP sockets of these ports only. */
export function readTcpTables(ports: number[]): RemoteCommand {
  return { label: 'read TCP connections', argv: script(TCP_FILTER_SCRIPT, ports.map(String)), timeoutMs: 15_000 }
}
