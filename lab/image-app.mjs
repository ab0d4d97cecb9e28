// The sample app as a container image: a static busybox whose nc answers HTTP through a
// shell handler, built from files with `podman import` (no network, no base image).
import fs from 'node:fs'
import path from 'node:path'
import { must } from './proc.mjs'

/** Port the app listens on inside the container (the action's default app-port). */
export const APP_PORT = 8080
const BUSYBOX = '/bin/busybox'
const APPLETS = ['sh', 'nc', 'sleep', 'cat', 'ls', 'rm', 'mkdir', 'wc', 'tr', 'date', 'env', 'printenv', 'ps', 'kill', 'wget']

// PID 1. A shell (not nc) so SIGTERM has a handler: PID 1 ignores signals it does not handle.
const START = `#!/bin/sh
version=$(cat /app/version)
log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }
is_true() { case $(echo "$1" | tr A-Z a-z) in true|1|yes|on) return 0;; esac; return 1; }
inflight() { ls /tmp/inflight 2>/dev/null | wc -l; }
listener=
admin=
shutdown() {
  [ -n "$listener" ] && kill "$listener" 2>/dev/null
  [ -n "$admin" ] && kill "$admin" 2>/dev/null
  if is_true "\${GRACEFUL:-true}"; then
    log "Received SIGTERM, shutting down gracefully, in-flight requests: $(inflight)"
    n=0
    while [ "$(inflight)" -gt 0 ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
  else
    log "Received SIGTERM, halting immediately (GRACEFUL=false), in-flight requests: $(inflight)"
  fi
  log "Shutdown complete, abandoned requests: $(inflight)"
  exit 0
}
trap shutdown TERM INT
log "Starting shop $version (pid $$, port ${APP_PORT})"
mkdir -p /tmp/inflight
delay=\${BOOT_DELAY_MS:-0}
if [ "$delay" -gt 0 ]; then
  sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))" &
  wait $!
fi
if is_true "\${CRASH_AT_BOOT:-false}"; then
  echo "ERROR: APPLICATION FAILED TO START (CRASH_AT_BOOT=true)" >&2
  exit 1
fi
nc -ll -p ${APP_PORT} -e /app/handle &
listener=$!
# MANAGEMENT_PORT: a second listener that alone serves /actuator/*, as Spring Boot's management.server.port does.
if [ -n "\${MANAGEMENT_PORT:-}" ]; then
  nc -ll -p "$MANAGEMENT_PORT" -e /app/handle-management &
  admin=$!
fi
log "Started shop $version on port ${APP_PORT}\${MANAGEMENT_PORT:+ (management port $MANAGEMENT_PORT)}"
wait $listener
`

// The management listener's handler: the same one, knowing which port it answers on.
const HANDLE_MANAGEMENT = `#!/bin/sh
export ROLE=management
exec /app/handle
`

// One HTTP request per process (nc -ll forks per connection); stdin/stdout are the socket.
const HANDLE = `#!/bin/sh
cr=$(printf '\\r')
nl='
'
read -r method target _ || exit 0
target=\${target%"$cr"}
while read -r line; do [ -z "\${line%"$cr"}" ] && break; done
mark=/tmp/inflight/$$
echo > "$mark" 2>/dev/null
path=\${target%%\\?*}
query=
case $target in *\\?*) query=\${target#*\\?};; esac
version=$(cat /app/version)
status=404 type='text/plain; charset=utf-8' body="not found$nl"
case $path in
  /actuator/*) [ -n "\${MANAGEMENT_PORT:-}" ] && [ "\${ROLE:-app}" != management ] && path=none ;;
esac
case $path in
  /) status=200 body="hello from $version$nl" ;;
  /version) status=200 body="$version$nl" ;;
  /actuator/role) status=200 body="\${ROLE:-app}$nl" ;;
  /actuator/health)
    type=application/json
    case $(echo "\${HEALTHY:-true}" | tr A-Z a-z) in
      false|0|no|off) status=503 body='{"status":"DOWN"}' ;;
      *) status=200 body='{"status":"UP"}' ;;
    esac ;;
  /slow)
    ms=5000
    for kv in $(echo "$query" | tr '&' ' '); do case $kv in ms=*) ms=\${kv#ms=};; esac; done
    sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
    status=200 body="slow done $version$nl" ;;
  /env/*)
    name=\${path#/env/}
    case $name in
      ''|[0-9]*|*[!A-Za-z0-9_]*) ;;
      *) eval "isset=\\\${$name+x}"
         if [ -n "$isset" ]; then eval "value=\\$$name"; status=200 body="$value$nl"; fi ;;
    esac ;;
esac
case $status in 200) reason=OK;; 503) reason='Service Unavailable';; *) reason='Not Found';; esac
length=$(printf '%s' "$body" | wc -c)
printf 'HTTP/1.1 %s %s\\r\\nContent-Type: %s\\r\\nContent-Length: %s\\r\\nX-App-Version: %s\\r\\nConnection: close\\r\\n\\r\\n%s' \\
  "$status" "$reason" "$type" "$length" "$version" "$body"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $method $target $status" >&2
rm -f "$mark"
`

/**
 * Writes the image's root file system as a tarball.
 * @param {string} workDir scratch dir (created) @param {string} version @returns {Promise<string>} the tarball
 */
export async function writeRootfsTar(workDir, version) {
  const root = path.join(workDir, 'rootfs')
  fs.rmSync(workDir, { recursive: true, force: true })
  for (const d of ['bin', 'app', 'tmp/inflight', 'proc', 'sys', 'dev', 'etc']) fs.mkdirSync(path.join(root, d), { recursive: true })
  fs.chmodSync(path.join(root, 'tmp'), 0o1777)
  fs.chmodSync(path.join(root, 'tmp', 'inflight'), 0o1777)
  fs.copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'))
  fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755)
  for (const a of APPLETS) fs.symlinkSync('busybox', path.join(root, 'bin', a))
  fs.writeFileSync(path.join(root, 'app', 'start'), START, { mode: 0o755 })
  fs.writeFileSync(path.join(root, 'app', 'handle'), HANDLE, { mode: 0o755 })
  fs.writeFileSync(path.join(root, 'app', 'handle-management'), HANDLE_MANAGEMENT, { mode: 0o755 })
  fs.writeFileSync(path.join(root, 'app', 'version'), `${version}\n`)
  fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n')
  fs.writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\n')
  const tar = path.join(workDir, 'rootfs.tar')
  await must('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', tar, '.'])
  return tar
}

/**
 * `podman import --change` arguments that make the tarball a runnable image.
 * @param {string} version @param {{ healthy?: boolean }} opts
 */
export function importChanges(version, opts) {
  const changes = [
    'CMD ["/app/start"]',
    `EXPOSE ${APP_PORT}/tcp`,
    'WORKDIR /',
    'STOPSIGNAL SIGTERM',
    'ENV PATH=/bin',
    `LABEL org.opencontainers.image.version=${version}`
  ]
  if (opts.healthy === false) changes.push('ENV HEALTHY=false')
  return changes.flatMap(c => ['--change', c])
}
