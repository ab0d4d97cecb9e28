/** Builder for running a before-switch or after-switch hook on the server. */
import type { RemoteCommand } from '../ssh/remote.js'
import { script } from './script.js'

/** Seconds `timeout` waits after its TERM before it sends KILL. */
export const HOOK_KILL_AFTER_S = 10

// Environment arrives on stdin as KEY=VALUE lines and is exported without expansion, like the app's, so
// secrets never reach a command line. `timeout` runs the hook in its own process group and signals the whole
// group, so nothing the hook started outlives it; stderr joins stdout to keep the output in order.
const RUN_HOOK = `dir=$1 seconds=$2 jar=$3; shift 3
cd -- "$dir" || exit 1
while IFS= read -r kv; do [ -n "$kv" ] && export "$kv"; done
export BLUEGREEN_DIR="$PWD"
if [ -n "$jar" ]; then export BLUEGREEN_JAR="$PWD/$jar"; fi
exec timeout -k ${HOOK_KILL_AFTER_S} "$seconds" "$@" < /dev/null 2>&1`

export interface HookLaunch {
  /** before-switch or after-switch: names the remote step. */
  name: string
  /** The hook's working directory (remote-dir). */
  dir: string
  argv: string[]
  timeoutMs: number
  /** Jar mode: the new release's jar, relative to `dir`; exported as an absolute BLUEGREEN_JAR. */
  jar?: string
}

export function runHook(launch: HookLaunch, env: [string, string][]): RemoteCommand {
  const seconds = String(Math.max(1, Math.ceil(launch.timeoutMs / 1000)))
  return {
    label: `${launch.name} hook`,
    argv: script(RUN_HOOK, [launch.dir, seconds, launch.jar ?? '', ...launch.argv]),
    stdin: env.map(([key, value]) => `${key}=${value}\n`).join(''),
    // The server stops the hook; this only guards against a server that never answers.
    timeoutMs: launch.timeoutMs + (HOOK_KILL_AFTER_S + 20) * 1000
  }
}

/** `timeout` exits with 124 when its TERM ended the command, 137 when it needed KILL. */
export function hookTimedOut(code: number | null, elapsedMs: number, timeoutMs: number): boolean {
  return (code === 124 || code === 137) && elapsedMs >= timeoutMs
}
