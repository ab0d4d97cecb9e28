/** The per-app deploy lock: flock held by a command whose life is tied to the SSH connection. */
import type { RemoteCommand } from '../remote.js'
import { script } from './script.js'

export const LOCK_BUSY_EXIT = 75

// The lock lives as long as this command: it waits on stdin, which ends when the deploy releases it or
// when the SSH connection dies (runner crash, cancelled job), so a lock is never left behind.
const HOLD_LOCK = `dir=$1 seconds=$2 owner=$3
mkdir -p -- "$dir" || exit 1
exec 9>>"$dir/.deploy.lock"
if ! flock -w "$seconds" 9; then echo busy; cat -- "$dir/.deploy.lock.owner" 2>/dev/null; exit ${LOCK_BUSY_EXIT}; fi
printf '%s\\n' "$owner" > "$dir/.deploy.lock.owner"
echo locked
cat > /dev/null
rm -f -- "$dir/.deploy.lock.owner"`

/** `owner` is shown to a run that finds the lock taken (run URL, actor, since when); it holds no secret. */
export function holdLock(remoteDir: string, timeoutMs: number, owner: string): RemoteCommand {
  return { label: 'deploy lock', argv: script(HOLD_LOCK, [remoteDir, String(timeoutMs / 1000), owner]), timeoutMs: timeoutMs + 30_000 }
}
