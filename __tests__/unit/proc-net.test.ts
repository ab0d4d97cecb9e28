import { openConnections, isListening, parseTcpTable } from '../../src/proc-net.js'

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
