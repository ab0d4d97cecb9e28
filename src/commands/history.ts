/** The deployment history file and the keep-previous timer. */
import { script, type RemoteCommand } from './script.js'

const APPEND_BOUNDED = `file=$1 entry=$2 limit=$3
tmp="$file.bluegreen-tmp"
{ if [ -f "$file" ]; then tail -n $((limit - 1)) -- "$file"; fi; printf '%s\\n' "$entry"; } > "$tmp" && mv -f -- "$tmp" "$file"`

/** Appends one JSON line, keeping the last `limit` lines; the swap is atomic. */
export function appendHistory(file: string, entry: object, limit: number): RemoteCommand {
  return { label: 'record history', argv: script(APPEND_BOUNDED, [file, JSON.stringify(entry), String(limit)]) }
}

export function readHistory(file: string, limit: number): RemoteCommand {
  return { label: 'read history', argv: script('[ -f "$1" ] && tail -n "$2" -- "$1" || true', [file, String(limit)]) }
}

// The marker line lets a later run recognise (and cancel) the timer by its command line.
const TIMER = `# bluegreen keep-previous timer
sleep "$1"; shift
exec "$@"`

const LAUNCH = `timerfile=$1; shift
setsid "$@" > /dev/null 2>&1 < /dev/null &
echo "$!" > "$timerfile"`

/** Runs `command` after `delayMs` in the background on the server, detached from the SSH session. */
export function runLater(timerFile: string, delayMs: number, command: RemoteCommand): RemoteCommand {
  const seconds = String(Math.max(1, Math.round(delayMs / 1000)))
  return {
    label: 'schedule stop of the previous version',
    argv: script(LAUNCH, [timerFile, 'sh', '-c', TIMER, 'sh', seconds, ...command.argv])
  }
}

const CANCEL = `for file in "$@"; do
  pid=$(cat -- "$file" 2>/dev/null)
  case $pid in
    ''|*[!0-9]*) ;;
    *) tr '\\0' '\\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -q '^# bluegreen keep-previous timer' && kill "$pid" && echo "$file" ;;
  esac
  rm -f -- "$file"
done`

/** Cancels pending keep-previous timers; prints the timer files that were still pending. */
export function cancelTimers(timerFiles: string[]): RemoteCommand {
  return { label: 'cancel keep-previous timers', argv: script(CANCEL, timerFiles) }
}
