/** The per-app deploy lock: flock held by a command whose life is tied to the SSH connection and a heartbeat. */
import { script, type RemoteCommand } from './script.js'

export const LOCK_BUSY_EXIT = 75
/** How often the holder sends a heartbeat byte. */
export const LOCK_HEARTBEAT_MS = 5_000
/** How long the server waits for a heartbeat before it frees the lock. */
export const LOCK_IDLE_SECONDS = 25

// The lock lives as long as this command. It ends when the deploy releases it (stdin closes), when the
// SSH connection dies, or when no heartbeat byte arrives for $idle seconds: a runner that vanished
// without closing TCP would otherwise hold the lock until sshd notices, which by default takes hours.
// The lock file itself is never removed, so a waiting run can never lock a file that was unlinked.
const HOLD_LOCK = `dir=$1 seconds=$2 owner=$3 idle=$4
mkdir -p -- "$dir" || exit 1
exec 9>>"$dir/.deploy.lock"
if ! flock -w "$seconds" 9; then echo busy; cat -- "$dir/.deploy.lock.owner" 2>/dev/null; exit ${LOCK_BUSY_EXIT}; fi
printf '%s\\n' "$owner" > "$dir/.deploy.lock.owner"
echo locked
while [ "$(timeout "$idle" head -c 1 | wc -c)" -eq 1 ]; do :; done
: > "$dir/.deploy.lock.owner"`

/** `owner` is shown to a run that finds the lock taken (run URL, actor, since when); it holds no secret. */
export function holdLock(remoteDir: string, timeoutMs: number, owner: string): RemoteCommand {
  return {
    label: 'deploy lock',
    argv: script(HOLD_LOCK, [remoteDir, String(timeoutMs / 1000), owner, String(LOCK_IDLE_SECONDS)]),
    timeoutMs: timeoutMs + 30_000
  }
}
