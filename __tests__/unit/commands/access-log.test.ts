import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LATENCY_TOP_BUCKET, accessLogDirectives, accessLogName, accessLogSize, accessLogStats } from '../../../src/commands/access-log.js'
import { shellJoin } from '../../../src/commands/shell.js'

const STATS = `f=$1 from=$2 size=0
if [ -e "$f" ]; then size=$(wc -c < "$f") || exit; size=$((size)); fi
if [ "$size" -lt "$from" ]; then from=0; fi
echo "range $from $size"
[ "$size" -gt "$from" ] || exit 0
tail -c "+$((from + 1))" "$f" | head -c "$((size - from))" | LC_ALL=C awk -F '\\t' '
BEGIN { low[1] = 1; for (k = 2; k <= 226; k++) low[k] = low[k - 1] * 1.05 }
function attempts(field, out) { gsub(/ : /, ", ", field); return split(field, out, ", ") }
function bucket(t, ms, lo, hi, mid) {
  if (t !~ /^[0-9]+(\\.[0-9]+)?$/) return -1
  ms = int(t * 1000 + 0.5)
  if (ms < 1) return 0
  lo = 1; hi = 226
  while (lo < hi) { mid = int((lo + hi + 1) / 2); if (low[mid] <= ms) lo = mid; else hi = mid - 1 }
  return lo
}
NF >= 5 {
  n = attempts($2, addrs); attempts($3, codes); attempts($4, times)
  for (i = 1; i <= n; i++) {
    a = addrs[i]; tries[a]++
    if (codes[i] ~ /^[0-9]+$/) bad = codes[i] + 0 >= 500; else bad = !(i == n && $5 == 499)
    if (bad) errors[a]++
    b = bucket(times[i]); if (b >= 0) hist[a, b]++
  }
}
END {
  for (a in tries) {
    line = "server " a " " tries[a] " " (errors[a] + 0)
    for (b = 0; b <= 226; b++) if ((a, b) in hist) line = line " " b ":" hist[a, b]
    print line
  }
}'`

describe('accessLogName', () => {
  it('is the app name when nginx takes it as an identifier, else a safe spelling with a hash that keeps apps apart', () => {
    expect(accessLogName('shop_1')).toBe('bluegreen_canary_shop_1')
    expect(accessLogName('my-app.v2')).toMatch(/^bluegreen_canary_my_app_v2_[0-9a-f]{8}$/)
    expect(accessLogName('my-app')).not.toBe(accessLogName('my.app'))
    expect(accessLogName('my-app')).toBe(accessLogName('my-app'))
  })
})

describe('accessLogDirectives', () => {
  it('logs, in its own format, only the requests whose proxy_pass names the upstream', () => {
    expect(accessLogDirectives({ app: 'shop', upstream: 'shop_backend', logPath: '/var/log/nginx/bluegreen-shop.log' })).toBe(
      `# bluegreen-ssh-deploy: the requests proxied to upstream shop_backend, per upstream server, for the canary gate.
log_format bluegreen_canary_shop "$msec\\t$upstream_addr\\t$upstream_status\\t$upstream_response_time\\t$status";
map $proxy_host $bluegreen_canary_shop {
  default 0;
  shop_backend 1;
}
access_log /var/log/nginx/bluegreen-shop.log bluegreen_canary_shop if=$bluegreen_canary_shop;
`
    )
  })

  it("escapes an upstream named like one of map's own parameters", () => {
    const text = accessLogDirectives({ app: 'a', upstream: 'default', logPath: '/l' })
    expect(text).toContain('map $proxy_host $bluegreen_canary_a {\n  default 0;\n  \\default 1;\n}')
  })

  it('refuses an upstream or a path it cannot write as one plain nginx word', () => {
    for (const upstream of ['~.*', 'a b', '"x"', 'a;b', '']) {
      expect(() => accessLogDirectives({ app: 'a', upstream, logPath: '/l' })).toThrow('cannot be matched in an nginx map')
    }
    for (const logPath of ['relative.log', '/var/log/$host.log', '/a b', '/a;b', '/a"b']) {
      expect(() => accessLogDirectives({ app: 'a', upstream: 'u', logPath })).toThrow('is not a plain absolute path')
    }
  })
})

describe('accessLogSize', () => {
  it('prints the size, 0 without a file', () => {
    const body = 'if [ -e "$1" ]; then n=$(wc -c < "$1") || exit; echo $((n)); else echo 0; fi'
    expect(accessLogSize('/var/log/a b.log')).toStrictEqual({
      label: 'read access log size',
      argv: ['sh', '-c', body, 'sh', '/var/log/a b.log'],
      timeoutMs: 15_000
    })
    const dir = mkdtempSync(join(tmpdir(), 'access-size-'))
    try {
      writeFileSync(join(dir, 'a.log'), 'x'.repeat(1234))
      expect(execFileSync('sh', ['-c', shellJoin(accessLogSize(join(dir, 'a.log')).argv)], { encoding: 'utf8' })).toBe('1234\n')
      expect(execFileSync('sh', ['-c', shellJoin(accessLogSize(join(dir, 'none.log')).argv)], { encoding: 'utf8' })).toBe('0\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('accessLogStats', () => {
  it('aggregates with awk on the server, the path and offset as arguments', () => {
    expect(LATENCY_TOP_BUCKET).toBe(226)
    expect(accessLogStats('/var/log/x.log', 4096)).toStrictEqual({
      label: 'read canary traffic',
      argv: ['sh', '-c', STATS, 'sh', '/var/log/x.log', '4096'],
      timeoutMs: 60_000
    })
  })

  // $msec, $upstream_addr, $upstream_status, $upstream_response_time, $status, as nginx writes them.
  const LOG = [
    '1.000\t127.0.0.1:1\t200\t0.012\t200',
    '1.100\t127.0.0.1:2, 127.0.0.1:1\t502, 200\t0.000, 0.050\t200',
    '1.200\t127.0.0.1:2 : 127.0.0.1:1\t500 : -\t0.100 : -\t499',
    '1.300\t127.0.0.1:2\t-\t-\t502',
    'not a log line',
    '1.400\tshop_backend\t502\t0.000\t502',
    '1.500\t[::1]:3\t200\t75.000\t200',
    '1.600\t127.0.0.1:1\t404\t0.002\t404',
    ''
  ].join('\n')

  const awks = [{ name: 'awk', dir: '' }, ...(existsSync('/usr/bin/busybox') ? [{ name: 'busybox awk', dir: 'busybox' }] : [])]

  describe.each(awks)('with $name', ({ dir: awkDir }) => {
    let dir = ''
    let env: NodeJS.ProcessEnv = process.env
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'access-stats-'))
      writeFileSync(join(dir, 'access.log'), LOG)
      if (awkDir) {
        symlinkSync('/usr/bin/busybox', join(dir, 'awk'))
        env = { ...process.env, PATH: `${dir}:${process.env.PATH}` }
      }
    })
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    const run = (path: string, from: number): string[] =>
      execFileSync('sh', ['-c', shellJoin(accessLogStats(path, from).argv)], { encoding: 'utf8', env })
        .trim()
        .split('\n')
        .sort()

    it('gives every attempt to its own server: retries (", ") and internal redirects (" : ")', () => {
      expect(run(join(dir, 'access.log'), 0)).toEqual([
        'range 0 ' + Buffer.byteLength(LOG),
        'server 127.0.0.1:1 4 0 15:1 51:1 81:1',
        'server 127.0.0.1:2 3 3 0:1 95:1',
        'server [::1]:3 1 0 226:1',
        'server shop_backend 1 1 0:1'
      ])
    })

    it('reads from the offset, from the start of a rotated log, and nothing of a missing one', () => {
      const secondLine = LOG.indexOf('\n') + 1
      expect(run(join(dir, 'access.log'), secondLine)).toEqual([
        `range ${secondLine} ${Buffer.byteLength(LOG)}`,
        'server 127.0.0.1:1 3 0 15:1 81:1',
        'server 127.0.0.1:2 3 3 0:1 95:1',
        'server [::1]:3 1 0 226:1',
        'server shop_backend 1 1 0:1'
      ])
      expect(run(join(dir, 'access.log'), 1_000_000)[0]).toBe(`range 0 ${Buffer.byteLength(LOG)}`)
      expect(run(join(dir, 'access.log'), Buffer.byteLength(LOG))).toEqual([`range ${Buffer.byteLength(LOG)} ${Buffer.byteLength(LOG)}`])
      expect(run(join(dir, 'missing.log'), 0)).toEqual(['range 0 0'])
    })
  })
})
