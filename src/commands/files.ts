/** Builders for file and release commands on the server. Pure: they return commands, they run nothing. */
import { script, withSudo, type RemoteCommand } from './script.js'

// Touching the release directory marks it as recently used, which is what pruning goes by.
const PREPARE_RELEASE = `release=$1 jar=$2; shift 2
mkdir -p -- "$release" "$@" && touch -- "$release" || exit 1
if [ -f "$jar" ]; then sha256sum -- "$jar" | cut -d" " -f1; exit 0; fi
echo
cd -- "\${release%/*}" 2>/dev/null || exit 0
ls -1t | while IFS= read -r name; do
  [ "$name" != "\${release##*/}" ] && [ -f "$name/\${jar##*/}" ] && [ -f "$name/\${jar##*/}.chunks" ] && [ -f "$name/sha256" ] || continue
  printf '== delta-base %s\\n' "$name"; cat -- "$name/sha256" "$name/\${jar##*/}.chunks"; break
done`

/**
 * Creates the release and slot directories and prints the sha256 of the release's jar if it is already there.
 * Otherwise it prints an empty line, then what a delta upload (runtimes/delta.ts) can build on: `== delta-base
 * <name>`, that release's sha256 file and its chunk index, for the newest other release that has all three.
 */
export function prepareRelease(releaseDir: string, jarPath: string, otherDirs: string[]): RemoteCommand {
  return { label: 'prepare release directory', argv: script(PREPARE_RELEASE, [releaseDir, jarPath, ...otherDirs]) }
}

// The file arrives on stdin and is hashed while it is written, so verifying costs no second pass.
const RECEIVE = `part=$1 final=$2 want=$3
got=$(tee -- "$part" | sha256sum | cut -d" " -f1)
if [ "$got" != "$want" ]; then rm -f -- "$part"; echo "checksum mismatch: expected $want, got $got (upload cut short?)" >&2; exit 3; fi
mv -f -- "$part" "$final" && printf '%s\\n' "$want" > "\${final%/*}/sha256"`

/** Receives an upload on stdin into `finalPath` (via a .part file), verified against `sha256`. */
export function receiveFile(finalPath: string, sha256: string): RemoteCommand {
  return { label: 'upload and verify', argv: script(RECEIVE, [`${finalPath}.part`, finalPath, sha256]), timeoutMs: 60 * 60_000 }
}

// cp -p first so the new file keeps the old one's owner and mode; mv makes the swap atomic.
const WRITE_ATOMIC = `target=$1 tmp="$1.bluegreen-tmp"
if [ -e "$target" ]; then cp -p -- "$target" "$tmp" || exit 1; fi
cat > "$tmp" && mv -f -- "$tmp" "$target"`

/** Replaces a file of the login user's atomically; the content travels on stdin. (The nginx include: commands/nginx.ts.) */
export function writeFileAtomic(path: string, content: string, label = `write ${path}`): RemoteCommand {
  return { label, argv: script(WRITE_ATOMIC, [path]), stdin: content }
}

export function removeFile(path: string, sudo: boolean): RemoteCommand {
  return { label: `remove ${path}`, argv: withSudo(['rm', '-f', '--', path], sudo) }
}

const PRUNE = `dir=$1 keep=$2; shift 2
cd -- "$dir" 2>/dev/null || exit 0
ls -1t | tail -n +$((keep + 1)) | while IFS= read -r name; do
  for protected in "$@"; do [ "$name" = "$protected" ] && continue 2; done
  rm -rf -- "$name" && echo "$name"
done`

/** Removes all but the newest `keep` entries of a directory, never the protected ones. Prints what it removed. */
export function pruneOldest(dir: string, keep: number, protectedNames: string[]): RemoteCommand {
  return { label: 'prune old releases', argv: script(PRUNE, [dir, String(keep), ...protectedNames]) }
}

export function removeQuietly(path: string): RemoteCommand {
  return { label: 'remove partial upload', argv: ['rm', '-f', '--', path] }
}

/** `df -Pk` of the filesystem holding `path`: the last line's fourth field is the free KiB. */
export function freeSpace(path: string): RemoteCommand {
  return { label: 'check free disk space', argv: ['df', '-Pk', '--', path] }
}

const LIST_RELEASES = `cd -- "$1" 2>/dev/null || exit 0
ls -1t | while IFS= read -r name; do
  [ -f "$name/sha256" ] && printf '%s %s\n' "$(cat -- "$name/sha256")" "$(date -r "$name" -u +%Y-%m-%dT%H:%M:%SZ)"
done`

/** Prints `<sha256> <time>` for every kept release, newest first. */
export function listJarReleases(releasesDir: string): RemoteCommand {
  return { label: 'list releases', argv: script(LIST_RELEASES, [releasesDir]) }
}

/** Prints a file's content, or nothing when it does not exist. */
export function readOptional(path: string, label: string): RemoteCommand {
  return { label, argv: script('cat -- "$1" 2>/dev/null || true', [path]) }
}

export function makeDir(path: string): RemoteCommand {
  return { label: 'create directory', argv: ['mkdir', '-p', '--', path] }
}

// Before env travelled on stdin, image mode wrote it to `<slot>/env`; a run cut short could leave it there.
const PREPARE_SLOT = 'mkdir -p -- "$1" && rm -f -- "$1/env"'

/** Creates a container slot's directory (keep-previous timers live there) and removes a stale env file. */
export function prepareSlotDir(slotDir: string): RemoteCommand {
  return { label: 'prepare slot directory', argv: script(PREPARE_SLOT, [slotDir]) }
}

/** Removes a directory this action owns (a preview's remote-dir) with everything in it. */
export function removeTree(path: string): RemoteCommand {
  return { label: 'remove files', argv: ['rm', '-rf', '--', path] }
}
