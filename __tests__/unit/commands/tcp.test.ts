import { TCP_FILTER_SCRIPT, hexPort, readTcpTables } from '../../../src/commands/tcp.js'

const TCP_FILTER = `awk -v ports=" $* " '{ n = split($2, l, ":"); m = split($3, r, ":");
  if (index(ports, " " l[n] " ") || index(ports, " " r[m] " ")) print }' /proc/net/tcp /proc/net/tcp6 2>/dev/null || true`

describe('hexPort', () => {
  it('writes a port as the kernel table does: four upper-case hex digits', () => {
    expect([80, 8080, 443, 65535, 0].map(hexPort)).toStrictEqual(['0050', '1F90', '01BB', 'FFFF', '0000'])
  })
})

describe('readTcpTables', () => {
  it('keeps only the lines whose local or remote port is one of ours', () => {
    expect(TCP_FILTER_SCRIPT).toBe(TCP_FILTER)
    expect(readTcpTables([80, 8080])).toStrictEqual({
      label: 'read TCP connections',
      argv: ['sh', '-c', TCP_FILTER, 'sh', '0050', '1F90'],
      timeoutMs: 15_000
    })
  })

  it('matches nothing with no ports', () => {
    expect(readTcpTables([])).toStrictEqual({ label: 'read TCP connections', argv: ['sh', '-c', TCP_FILTER, 'sh'], timeoutMs: 15_000 })
  })
})
