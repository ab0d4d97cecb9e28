import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readTcpTables } from '../../../src/commands/tcp.js'
import { openConnections, isListening, parseTcpTable } from '../../../src/server/tcp-table.js'

const TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 20 4 30 10 -1
   2: 0100007F:D2F0 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0 20 4 30 10 -1
   3: 0100007F:1F90 0100007F:D2F4 06 00000000:00000000 00:00000000 00000000  1000        0 4 1 0 20 4 30 10 -1
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5 1 0 100 0 0 10 0`

describe('TCP tables', () => {
  const entries = parseTcpTable(TABLE)
  it('finds listeners on IPv4 and IPv6', () => {
    expect(isListening(entries, 8080)).toBe(true)
    expect(isListening(entries, 8081)).toBe(true)
    expect(isListening(entries, 8082)).toBe(false)
  })

  it('counts each established connection once, from either side, ignoring TIME_WAIT', () => {
    expect(openConnections(entries, 8080)).toBe(1)
    expect(openConnections(entries, 0xd2f0)).toBe(1)
  })

  it('sees connections into a container through their connecting side alone', () => {
    const natted = parseTcpTable('   0: 0100007F:D2F8 0100007F:1F91 01 0 0 0 0 0 1 1 0 20 4 30 10 -1')
    expect(openConnections(natted, 8081)).toBe(1)
  })
})

describe('TCP table filter on the server', () => {
  it('keeps only the lines of the given ports, from a real table', () => {
    const command = readTcpTables([8080])
    const sample = `${TABLE}\n   9: 0100007F:0050 0100007F:D000 01 0 0 0 0 0 1 1 0 20 4 30 10 -1\n`
    // Run the server-side filter against a copy of the sample instead of /proc.
    const body = command.argv[2].replace('/proc/net/tcp /proc/net/tcp6', '"$TABLE_FILE"')
    const dir = mkdtempSync(join(tmpdir(), 'tcp-'))
    writeFileSync(join(dir, 'tcp'), sample)
    const out = execFileSync('sh', ['-c', body, 'sh', ...command.argv.slice(4)], {
      encoding: 'utf8',
      env: { ...process.env, TABLE_FILE: join(dir, 'tcp') }
    })
    expect(command.argv.slice(4)).toEqual(['1F90'])
    expect(parseTcpTable(out).map(entry => [entry.localPort, entry.remotePort])).toEqual([
      [8080, 0],
      [8080, 0xd2f0],
      [0xd2f0, 8080],
      [8080, 0xd2f4]
    ])
  })
})
