/**
 * Builders for delta uploads: the server rebuilds a jar from an older release's jar plus the uploaded ranges,
 * with sh, head, tail, sed and sha256sum only. Pure: they return commands, they run nothing.
 * The upload's format is made by runtimes/chunk-index.ts (deltaHeader).
 */
import { script, type RemoteCommand } from './script.js'

// The upload is stored first: ranges are then cut from regular files, where head and tail are exact.
// Every failure leaves no file behind and exits 3; the runner then uploads the whole jar.
const RECEIVE_DELTA = `base=$1 final=$2 want=$3
delta="$final.delta" part="$final.part"
fail() { rm -f -- "$delta" "$part"; printf '%s\\n' "$1" >&2; exit 3; }
cat > "$delta" || fail "could not store the upload"
read -r magic version text < "$delta"
[ "$magic $version" = "bluegreen-delta 1" ] || fail "the upload is not a delta"
case $text in ''|*[!0-9]*) fail "the upload's header is damaged";; esac
[ -f "$base" ] || fail "the earlier release's jar is gone"
head -c "$text" -- "$delta" | sed -e 1d -e '/^chunks$/,$d' | while read -r from offset length; do
  case $offset$length in ''|*[!0-9]*) exit 1 ;; esac
  case $from in o) src=$base ;; n) src=$delta offset=$((offset + text)) ;; *) exit 1 ;; esac
  tail -c +$((offset + 1)) -- "$src" | head -c "$length" || exit 1
done > "$part" || fail "could not rebuild the jar"
got=$(sha256sum -- "$part" | cut -d" " -f1)
[ "$got" = "$want" ] || fail "the rebuilt jar's sha256 is $got, not $want (the earlier release's jar or index differs from what it was)"
head -c "$text" -- "$delta" | sed -e '1,/^chunks$/d' > "$final.chunks" || fail "could not write the chunk index"
mv -f -- "$part" "$final" && rm -f -- "$delta" && printf '%s\\n' "$want" > "\${final%/*}/sha256" || fail "could not move the jar in place"`

/** Rebuilds `finalPath` from `baseJar` and the delta upload on stdin, verified against `sha256`; writes its chunk index. */
export function receiveDelta(finalPath: string, baseJar: string, sha256: string): RemoteCommand {
  return { label: 'rebuild jar from delta', argv: script(RECEIVE_DELTA, [baseJar, finalPath, sha256]), timeoutMs: 60 * 60_000 }
}

const WRITE_INDEX = 'cat > "$1.part" && mv -f -- "$1.part" "$1" || { rm -f -- "$1.part"; exit 1; }'

/** Writes a jar's chunk index beside it (after a full upload); the index travels on stdin. */
export function writeChunkIndex(indexPath: string, index: string): RemoteCommand {
  return { label: 'write chunk index', argv: script(WRITE_INDEX, [indexPath]), stdin: index }
}
