import { appendHistory, cancelTimers, readHistory, runLater } from '../../../src/commands/history.js'
import type { RemoteCommand } from '../../../src/ssh/remote.js'

const APPEND_BOUNDED = `file=$1 entry=$2 limit=$3
tmp="$file.bluegreen-tmp"
{ if [ -f "$file" ]; then tail -n $((limit - 1)) -- "$file"; fi; printf '%s\\n' "$entry"; } > "$tmp" && mv -f -- "$tmp" "$file"`

const TIMER = `# bluegreen keep-previous timer
sleep "$1"; shift
exec "$@"`

const LAUNCH = `timerfile=$1; shift
setsid "$@" > /dev/null 2>&1 < /dev/null &
echo "$!" > "$timerfile"`

const CANCEL = `for file in "$@"; do
  pid=$(cat -- "$file" 2>/dev/null)
  case $pid in
    ''|*[!0-9]*) ;;
    *) tr '\\0' '\\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -q '^# bluegreen keep-previous timer' && kill "$pid" && echo "$file" ;;
  esac
  rm -f -- "$file"
done`

describe('appendHistory', () => {
  it('appends the entry as one JSON line, keeping the last lines', () => {
    expect(appendHistory('app/history.jsonl', { release: 'abc', at: '2024-01-01T00:00:00Z' }, 50)).toStrictEqual({
      label: 'record history',
      argv: ['sh', '-c', APPEND_BOUNDED, 'sh', 'app/history.jsonl', '{"release":"abc","at":"2024-01-01T00:00:00Z"}', '50']
    })
  })
})

describe('readHistory', () => {
  it('prints the last lines, or nothing when there is no history', () => {
    expect(readHistory('app/history.jsonl', 20)).toStrictEqual({
      label: 'read history',
      argv: ['sh', '-c', '[ -f "$1" ] && tail -n "$2" -- "$1" || true', 'sh', 'app/history.jsonl', '20']
    })
  })
})

describe('runLater', () => {
  const later: RemoteCommand = { label: 'stop app', argv: ['sh', '-c', 'exit 0', 'sh', 'x'], timeoutMs: 5_000 }

  it('launches a detached timer that sleeps whole seconds, then runs the command', () => {
    expect(runLater('app/slots/blue/timer.pid', 300_000, later)).toStrictEqual({
      label: 'schedule stop of the previous version',
      argv: ['sh', '-c', LAUNCH, 'sh', 'app/slots/blue/timer.pid', 'sh', '-c', TIMER, 'sh', '300', 'sh', '-c', 'exit 0', 'sh', 'x']
    })
  })

  it('rounds the delay to the nearest second, at least one', () => {
    expect(runLater('t', 1_499, later).argv[9]).toBe('1')
    expect(runLater('t', 2_500, later).argv[9]).toBe('3')
    expect(runLater('t', 0, later).argv[9]).toBe('1')
  })
})

describe('cancelTimers', () => {
  it('kills pending timers recognised by their marker line and removes the files', () => {
    expect(cancelTimers(['app/slots/blue/timer.pid', 'app/slots/green/timer.pid'])).toStrictEqual({
      label: 'cancel keep-previous timers',
      argv: ['sh', '-c', CANCEL, 'sh', 'app/slots/blue/timer.pid', 'app/slots/green/timer.pid']
    })
  })

  it('does nothing with no timer files', () => {
    expect(cancelTimers([])).toStrictEqual({ label: 'cancel keep-previous timers', argv: ['sh', '-c', CANCEL, 'sh'] })
  })
})
