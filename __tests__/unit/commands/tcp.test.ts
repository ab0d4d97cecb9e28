import { TCP_FILTER_SCRIPT, readTcpTables } from '../../../src/commands/tcp.js'

const TCP_FILTER = `PATH=$PATH:/usr/sbin:/sbin
if [ $# -eq 0 ]; then :
elif tcp=$(f=; for p do f="$f\${f:+ or }sport = :$p or dport = :$p"; done
  ss -tn state listening state established "( $f )" 2>/dev/null); then printf '%s\\n' "$tcp"
else awk -v ports="$*" '
  BEGIN { n = split(ports, p, " "); for (i = 1; i <= n; i++) want[sprintf("%04X", p[i])] = 1 }
  $4 == "0A" || $4 == "01" { n = split($2, l, ":"); m = split($3, r, ":"); if ((l[n] in want) || (r[m] in want)) print }' \\
  /proc/net/tcp /proc/net/tcp6 2>/dev/null || true
fi`

describe('readTcpTables', () => {
  it('asks ss for the ports, falling back to the kernel tables, with the ports as arguments', () => {
    expect(TCP_FILTER_SCRIPT).toBe(TCP_FILTER)
    expect(readTcpTables([80, 8080])).toStrictEqual({
      label: 'read TCP connections',
      argv: ['sh', '-c', TCP_FILTER, 'sh', '80', '8080'],
      timeoutMs: 15_000
    })
  })

  it('matches nothing with no ports', () => {
    expect(readTcpTables([])).toStrictEqual({ label: 'read TCP connections', argv: ['sh', '-c', TCP_FILTER, 'sh'], timeoutMs: 15_000 })
  })
})
