/** Builders for starting, inspecting and stopping the app process of one slot (jar mode). */
import { fillEnv, fillPorts } from './placeholders.js'
import { script, type RemoteCommand } from './script.js'

// Environment arrives on stdin as KEY=VALUE lines and is exported without expansion, so secrets never
// reach a command line or a file. setsid plus redirecting every stream detaches the app from the SSH
// channel, which otherwise stays open until the app exits.
const START = `dir=$1; shift
cd -- "$dir" || exit 1
while IFS= read -r kv; do [ -n "$kv" ] && export "$kv"; done
setsid "$@" > app.log 2>&1 < /dev/null &
echo "$!" > app.pid
echo "$!"`

export interface JarLaunch {
  slotDir: string
  port: number
  /** The slot's management port (management-ports), if any: MANAGEMENT_SERVER_PORT and {management-port}. */
  managementPort?: number
  javaCommand: string[]
  javaOptions: string[]
  jarPath: string
  appArgs: string[]
  /** A -D property that marks the process as this app's slot, so we never signal a stranger. */
  marker: string
  /** The run that started it: a repair touches only what its own run started. */
  runToken: string
}

/** {port} and {management-port} in java-options and app-args are filled with the slot's ports. */
export function javaArgv(launch: JarLaunch): string[] {
  const fill = (words: string[]) => words.map(word => fillPorts(word, launch))
  const management = launch.managementPort === undefined ? [] : [`MANAGEMENT_SERVER_PORT=${launch.managementPort}`]
  return [
    'env',
    `SERVER_PORT=${launch.port}`,
    `PORT=${launch.port}`,
    ...management,
    ...launch.javaCommand,
    ...fill(launch.javaOptions),
    `-Dserver.port=${launch.port}`,
    launch.marker,
    `${RUN_PROPERTY}${launch.runToken}`,
    '-jar',
    launch.jarPath,
    ...fill(launch.appArgs)
  ]
}

export function startJar(launch: JarLaunch, env: [string, string][]): RemoteCommand {
  const stdin = fillEnv(env, launch)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('')
  return { label: 'start new version', argv: script(START, [launch.slotDir, ...javaArgv(launch)]), stdin }
}

const RUN_PROPERTY = '-Dbluegreen.run='

export function slotMarker(appName: string, color: string): string {
  return `-Dbluegreen.slot=${appName}/${color}`
}

// A zombie still answers kill -0, so it counts as gone; the cmdline check guards against a reused PID.
const OURS = `ours() {
  [ -r "/proc/$1/cmdline" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null &&
    tr '\\0' '\\n' < "/proc/$1/cmdline" | grep -qxF -- "$marker"
}`

const STOP = `pidfile=$1 marker=$2 tenths=$3 expected=$4
${OURS}
pid=$(cat -- "$pidfile" 2>/dev/null)
case $pid in ''|*[!0-9]*) rm -f -- "$pidfile"; echo not-running; exit 0;; esac
if [ -n "$expected" ] && [ "$pid" != "$expected" ]; then echo replaced; exit 0; fi
if ! ours "$pid"; then rm -f -- "$pidfile"; echo not-running; exit 0; fi
kill -TERM "$pid" 2>/dev/null
i=0
while ours "$pid" && [ "$i" -lt "$tenths" ]; do sleep 0.1; i=$((i + 1)); done
if ours "$pid"; then
  kill -KILL "$pid" 2>/dev/null; i=0
  while ours "$pid" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  echo killed
else
  echo stopped
fi
rm -f -- "$pidfile"`

/**
 * SIGTERM, wait up to `timeoutMs`, then SIGKILL. Prints not-running, stopped or killed. With
 * `expectedPid`, only that process is stopped (prints replaced when another one runs in the slot now).
 */
export function stopApp(pidFile: string, marker: string, timeoutMs: number, expectedPid = ''): RemoteCommand {
  const tenths = String(Math.max(1, Math.ceil(timeoutMs / 100)))
  return { label: 'stop app', argv: script(STOP, [pidFile, marker, tenths, expectedPid]), timeoutMs: timeoutMs + 15_000 }
}

export function readPid(pidFile: string): RemoteCommand {
  return { label: 'read PID', argv: script('cat -- "$1" 2>/dev/null || true', [pidFile]) }
}

const ALIVE = `pidfile=$1 marker=$2
${OURS}
pid=$(cat -- "$pidfile" 2>/dev/null)
case $pid in ''|*[!0-9]*) echo dead; exit 0;; esac
if ours "$pid"; then echo alive; else echo dead; fi`

export function appAlive(pidFile: string, marker: string): RemoteCommand {
  return { label: 'check new version is running', argv: script(ALIVE, [pidFile, marker]), timeoutMs: 15_000 }
}

export function logTail(logFile: string, lines: number): RemoteCommand {
  return { label: 'read app log', argv: ['tail', '-n', String(lines), '--', logFile], timeoutMs: 15_000 }
}

const STARTED_BY = `pidfile=$1 marker=$2 property=$3
${OURS}
pid=$(cat -- "$pidfile" 2>/dev/null)
case $pid in ''|*[!0-9]*) exit 0;; esac
if ours "$pid"; then tr '\\0' '\\n' < "/proc/$pid/cmdline" | sed -n "s/^$property//p"; fi`

/** Prints the run token of the slot's running process of ours, or nothing. */
export function slotRunToken(pidFile: string, marker: string): RemoteCommand {
  return { label: 'read which run started the slot', argv: script(STARTED_BY, [pidFile, marker, RUN_PROPERTY]), timeoutMs: 15_000 }
}
