/**
 * Several commands that always run back to back, joined into one remote command so that they cost one
 * round trip. Each part keeps its own argv (passed as positional arguments, never pasted into the
 * script) and its own label: the script prints a marker line before each part and stops at the first
 * that fails, with that part's exit code, so an error can still name the part.
 */
import { script, type RemoteCommand } from './script.js'

import { PART_MARKER } from './part-marker.js'

export { PART_MARKER, lastPartOutput, partsStarted } from './part-marker.js'

// `eval` only ever sees references such as "${3}", built from counts: the words themselves are never parsed.
// A part's output (stdout and stderr) follows its marker on stdout, so it can be told from the others'; only
// the first part reads stdin.
const SEQUENCE = `first=1
while [ "$#" -gt 0 ]; do
  label=$1 count=$2
  shift 2
  words= k=1
  while [ "$k" -le "$count" ]; do words="$words \\"\\\${$k}\\""; k=$((k + 1)); done
  printf '${PART_MARKER}%s\\n' "$label"
  if [ -n "$first" ]; then eval "$words" 2>&1; else eval "$words" </dev/null 2>&1; fi
  status=$?
  [ "$status" -eq 0 ] || exit "$status"
  shift "$count"
  first=
done`

/** One command that runs `parts` in order; `stdin` goes to the first part. */
export function sequence(label: string, parts: RemoteCommand[]): RemoteCommand {
  const args = parts.flatMap(part => [part.label, String(part.argv.length), ...part.argv])
  const timeoutMs = parts.reduce((sum, part) => sum + (part.timeoutMs ?? 60_000), 0)
  return { label, argv: script(SEQUENCE, args), timeoutMs, stdin: parts[0]?.stdin, parts }
}
