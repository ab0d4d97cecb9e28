/** Builders for the per-instance image records: which images each app instance pulled. Pure: they return commands. */
import type { RemoteCommand } from '../ssh/remote.js'
import { writeFileAtomic } from './files.js'
import { script } from './script.js'

// Newest first, each reference once; the directory may not exist yet on a first deploy.
const ADD_OWN_IMAGE = `file=$1 ref=$2
mkdir -p -- "\${file%/*}" || exit 1
{ printf '%s\\n' "$ref"; grep -vxF -e "$ref" -- "$file" 2>/dev/null || true; } > "$file.tmp" && mv -f -- "$file.tmp" "$file"`

/** Puts `ref` at the top of the instance's list of its own images. */
export function addOwnImage(file: string, ref: string): RemoteCommand {
  return { label: 'record own image', argv: script(ADD_OWN_IMAGE, [file, ref]) }
}

export function writeOwnImages(file: string, refs: string[]): RemoteCommand {
  return writeFileAtomic(file, refs.map(ref => `${ref}\n`).join(''), 'record own images')
}

// Every app instance next to this one (production and its previews are siblings): its state and own images.
const READ_RECORDS = `for dir in "$1"/*/; do
  for name in state.json "$2"; do
    [ -f "$dir$name" ] || continue
    printf '==> %s%s\\n' "$dir" "$name"
    cat -- "$dir$name"; echo
  done
done`

/** Prints `==> <dir>/<file>` and the file for the state.json and own-image list of every directory in `parentDir`. */
export function readImageRecords(parentDir: string, listName: string): RemoteCommand {
  return { label: 'read image records', argv: script(READ_RECORDS, [parentDir, listName]) }
}
