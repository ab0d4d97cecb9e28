import { execFile, execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createConnection, createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { shellJoin } from '../../../src/commands/shell.js'
import { readTcpTables } from '../../../src/commands/tcp.js'
import { openConnections, isListening, parseTcpTable } from '../../../src/server/tcp-table.js'

const PROC_TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 20 4 30 10 -1
   2: 0100007F:D2F0 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0 20 4 30 10 -1
   3: 0100007F:1F90 0100007F:D2F4 06 00000000:00000000 00:00000000 00000000  1000        0 4 1 0 20 4 30 10 -1
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5 1 0 100 0 0 10 0`

// What `ss -tn state listening state established '( sport = :8080 or ... )'` printed (iproute2 6.1).
const SS_OUTPUT = `State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process
LISTEN 0      511        127.0.0.1:8080       0.0.0.0:*           
ESTAB  0      0          127.0.0.1:53488    127.0.0.1:8080        
ESTAB  0      0          127.0.0.1:8080     127.0.0.1:53488       
LISTEN 0      100                *:8081             *:*           
ESTAB  0      0     [::ffff:127.0.0.1]:8081 [::ffff:127.0.0.1]:53490
LISTEN 0      511            [::1]:8082          [::]:*           `

describe.each([
  ['the kernel tables', PROC_TABLE],
  ['ss', SS_OUTPUT]
])('TCP sockets from %s', (_, text) => {
  const entries = parseTcpTable(text)
  it('finds listeners on IPv4 and IPv6', () => {
    expect(isListening(entries, 8080)).toBe(true)
    expect(isListening(entries, 8081)).toBe(true)
    expect(isListening(entries, 8083)).toBe(false)
  })

  it('counts each established connection once, from either side', () => {
    expect(openConnections(entries, 8080)).toBe(1)
  })
})

describe('TCP tables', () => {
  it('ignores TIME_WAIT and counts the connecting side too', () => {
    const entries = parseTcpTable(PROC_TABLE)
    expect(entries.filter(entry => entry.state === 'other')).toEqual([{ localPort: 8080, remotePort: 0xd2f4, state: 'other' }])
    expect(openConnections(entries, 0xd2f0)).toBe(1)
  })

  it('sees connections into a container through their connecting side alone', () => {
    expect(openConnections(parseTcpTable('   0: 0100007F:D2F8 0100007F:1F91 01 0 0 0 0 0 1 1 0 20 4 30 10 -1'), 8081)).toBe(1)
    expect(openConnections(parseTcpTable('ESTAB 0 0 10.88.0.1:53488 127.0.0.1:8081'), 8081)).toBe(1)
  })

  it('reads a listener on all addresses and IPv6 peers', () => {
    expect(parseTcpTable(SS_OUTPUT).map(entry => [entry.localPort, entry.remotePort, entry.state])).toEqual([
      [8080, 0, 'listen'],
      [53488, 8080, 'established'],
      [8080, 53488, 'established'],
      [8081, 0, 'listen'],
      [8081, 53490, 'established'],
      [8082, 0, 'listen']
    ])
  })
})

describe('TCP filter on the server', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tcp-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const link = (tool: string) => symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(dir, tool))

  // Runs the command's script against tools in `dir` only, and a copy of `table` instead of /proc.
  function run(ports: number[], table: string): string {
    const command = readTcpTables(ports)
    const body = command.argv[2].replace('/proc/net/tcp /proc/net/tcp6', '"$TABLE_FILE"')
    writeFileSync(join(dir, 'table'), table)
    link('awk')
    return execFileSync('/bin/sh', ['-c', body, 'sh', ...command.argv.slice(4)], {
      encoding: 'utf8',
      env: { PATH: dir, TABLE_FILE: join(dir, 'table') }
    })
  }

  function fakeSs(script: string): void {
    writeFileSync(join(dir, 'ss'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/ss-args"\n${script}`)
    chmodSync(join(dir, 'ss'), 0o755)
  }

  it('asks ss for listening and established sockets of the ports only, and passes its output on', () => {
    writeFileSync(join(dir, 'ss-output'), `${SS_OUTPUT}\n`)
    link('cat')
    fakeSs(`cat "${dir}/ss-output"`)
    expect(run([8080, 8081], PROC_TABLE)).toBe(`${SS_OUTPUT}\n`)
    expect(readFileSync(join(dir, 'ss-args'), 'utf8').split('\n').slice(0, -1)).toEqual([
      '-tn',
      'state',
      'listening',
      'state',
      'established',
      '( sport = :8080 or dport = :8080 or sport = :8081 or dport = :8081 )'
    ])
  })

  const OTHER_PORT = '   9: 0100007F:0050 0100007F:D000 01 0 0 0 0 0 1 1 0 20 4 30 10 -1'
  const OURS = [
    [8080, 0],
    [8080, 0xd2f0],
    [0xd2f0, 8080]
  ]

  it('reads the kernel tables, keeping only the listening and established lines of the ports, when there is no ss', () => {
    expect(parseTcpTable(run([8080], `${PROC_TABLE}\n${OTHER_PORT}\n`)).map(entry => [entry.localPort, entry.remotePort])).toEqual(OURS)
  })

  it('reads the kernel tables when ss fails (too old, or no netlink)', () => {
    fakeSs('echo "ss: bison bellows" >&2; exit 255')
    expect(parseTcpTable(run([8080], `${PROC_TABLE}\n${OTHER_PORT}\n`)).map(entry => [entry.localPort, entry.remotePort])).toEqual(OURS)
  })

  it('reads nothing without ports', () => {
    fakeSs('exit 1')
    expect(run([], PROC_TABLE)).toBe('')
  })
})

const hasSs = execFileSync('sh', ['-c', 'PATH=$PATH:/usr/sbin:/sbin; command -v ss || true'], { encoding: 'utf8' }).trim() !== ''

;(hasSs ? describe : describe.skip)("TCP filter with this machine's ss", () => {
  it('finds a listener and its one connection, and no other port', async () => {
    const server = createServer(() => undefined)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const accepted = new Promise(resolve => server.once('connection', resolve))
    const client = createConnection(port, '127.0.0.1')
    try {
      await accepted
      const { stdout } = await promisify(execFile)('sh', ['-c', shellJoin(readTcpTables([port]).argv)], { encoding: 'utf8' })
      const entries = parseTcpTable(stdout)
      expect(isListening(entries, port)).toBe(true)
      expect(openConnections(entries, port)).toBe(1)
      expect(entries.every(entry => entry.localPort === port || entry.remotePort === port)).toBe(true)
    } finally {
      client.destroy()
      server.close()
    }
  })
})
