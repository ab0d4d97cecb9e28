/**
 * The canary gate's data: an access log that nginx writes for the requests it proxies to one upstream, one line per
 * request with every attempt's upstream server, status and response time, and the commands that read it. The log is
 * aggregated on the server, so only a few lines per upstream server cross the network, however long the log is.
 */
import { createHash } from 'node:crypto'
import { script, type RemoteCommand } from './script.js'

/** Upstream names the map can match: what `proxy_pass http://NAME` accepts, without nginx's map syntax (~, quotes). */
export const UPSTREAM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

/** Log paths written as one plain nginx word: absolute, and no `$` (nginx would read a variable in it). */
export const ACCESS_LOG_PATH = /^\/[A-Za-z0-9_./@%+=:,-]*$/

/** Latency buckets: bucket 0 holds 0 ms; bucket k ≥ 1 holds [GROWTH^(k-1), GROWTH^k) ms; the top one all above. */
export const LATENCY_GROWTH = 1.05
export const LATENCY_TOP_BUCKET = Math.floor(Math.log(60_000) / Math.log(LATENCY_GROWTH)) + 1

// Words that nginx's map block reads as its own parameters; a source value spelled like one takes a backslash.
const MAP_KEYWORDS = new Set(['default', 'hostnames', 'include', 'volatile'])

export interface AccessLogTarget {
  app: string
  /** The upstream block's name, as in `proxy_pass http://NAME`. */
  upstream: string
  logPath: string
}

/**
 * The nginx identifier for this app's log_format and map variable. App names may hold "." and "-", which nginx
 * identifiers may not: those become "_", and a short hash of the real name keeps two such apps apart.
 */
export function accessLogName(app: string): string {
  const safe = app.replace(/[^A-Za-z0-9_]/g, '_')
  if (safe === app) return `bluegreen_canary_${app}`
  return `bluegreen_canary_${safe}_${createHash('sha256').update(app).digest('hex').slice(0, 8)}`
}

/**
 * HTTP-context text for the include that holds `upstream NAME { ... }`. The map keeps requests that nginx proxies
 * elsewhere out of the log: $proxy_host is the upstream's name exactly when proxy_pass names the upstream (nginx
 * refuses a port after an upstream block's name). Fields are tab-separated: nginx escapes tabs inside values.
 */
export function accessLogDirectives({ app, upstream, logPath }: AccessLogTarget): string {
  if (!UPSTREAM_NAME.test(upstream)) throw new Error(`the upstream name ${JSON.stringify(upstream)} cannot be matched in an nginx map`)
  if (!ACCESS_LOG_PATH.test(logPath)) throw new Error(`the access log path ${JSON.stringify(logPath)} is not a plain absolute path`)
  const name = accessLogName(app)
  const key = MAP_KEYWORDS.has(upstream.toLowerCase()) ? `\\${upstream}` : upstream
  return [
    `# bluegreen-ssh-deploy: the requests proxied to upstream ${upstream}, per upstream server, for the canary gate.`,
    `log_format ${name} "$msec\\t$upstream_addr\\t$upstream_status\\t$upstream_response_time\\t$status";`,
    `map $proxy_host $${name} {`,
    `  default 0;`,
    `  ${key} 1;`,
    `}`,
    `access_log ${logPath} ${name} if=$${name};`,
    ''
  ].join('\n')
}

const SIZE = 'if [ -e "$1" ]; then n=$(wc -c < "$1") || exit; echo $((n)); else echo 0; fi'

/** Prints the log's size in bytes, 0 when nginx has not created it yet. */
export function accessLogSize(logPath: string): RemoteCommand {
  return { label: 'read access log size', argv: script(SIZE, [logPath]), timeoutMs: 15_000 }
}

// One log line is one request; its multi-value fields list the attempts, ", " between upstream servers and " : "
// across internal redirects, in the same order in every field. An attempt with no status never got an answer (an
// error), unless it is the last one of a request the client gave up on (499). The buckets' bounds are products, not
// log(): some busybox awks lack the math library. LC_ALL=C: bytes, whatever the locale.
const STATS = `f=$1 from=$2 size=0
if [ -e "$f" ]; then size=$(wc -c < "$f") || exit; size=$((size)); fi
if [ "$size" -lt "$from" ]; then from=0; fi
echo "range $from $size"
[ "$size" -gt "$from" ] || exit 0
tail -c "+$((from + 1))" "$f" | head -c "$((size - from))" | LC_ALL=C awk -F '\\t' '
BEGIN { low[1] = 1; for (k = 2; k <= ${LATENCY_TOP_BUCKET}; k++) low[k] = low[k - 1] * ${LATENCY_GROWTH} }
function attempts(field, out) { gsub(/ : /, ", ", field); return split(field, out, ", ") }
function bucket(t, ms, lo, hi, mid) {
  if (t !~ /^[0-9]+(\\.[0-9]+)?$/) return -1
  ms = int(t * 1000 + 0.5)
  if (ms < 1) return 0
  lo = 1; hi = ${LATENCY_TOP_BUCKET}
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
    for (b = 0; b <= ${LATENCY_TOP_BUCKET}; b++) if ((a, b) in hist) line = line " " b ":" hist[a, b]
    print line
  }
}'`

/**
 * Aggregates the log from byte `fromOffset` to its size now, per upstream server: `range FROM TO`, then one line
 * `server ADDRESS ATTEMPTS ERRORS BUCKET:COUNT...` each (proxy/access-stats.ts reads it). A log shorter than
 * `fromOffset` was rotated: it is read from its start.
 */
export function accessLogStats(logPath: string, fromOffset: number): RemoteCommand {
  return { label: 'read canary traffic', argv: script(STATS, [logPath, String(fromOffset)]), timeoutMs: 60_000 }
}

const RESOLVE = `for name; do
  printf '%s' "$name"
  getent ahosts "$name" 2>/dev/null | awk '{ print $1 }' | sort -u | while IFS= read -r ip; do printf ' %s' "$ip"; done
  echo
done`

/** On the nginx host: the addresses each name resolves to, one line per name (`name ip...`), as nginx will resolve them. */
export function resolveNames(names: string[]): RemoteCommand {
  return { label: 'resolve app addresses', argv: script(RESOLVE, names), timeoutMs: 15_000 }
}
