import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { addOwnImage, readImageRecords, writeOwnImages } from '../../../src/commands/images.js'

const ADD_OWN_IMAGE = `file=$1 ref=$2
mkdir -p -- "\${file%/*}" || exit 1
{ printf '%s\\n' "$ref"; grep -vxF -e "$ref" -- "$file" 2>/dev/null || true; } > "$file.tmp" && mv -f -- "$file.tmp" "$file"`

const READ_RECORDS = `for dir in "$1"/*/; do
  for name in state.json "$2"; do
    [ -f "$dir$name" ] || continue
    printf '==> %s%s\\n' "$dir" "$name"
    cat -- "$dir$name"; echo
  done
done`

describe('addOwnImage', () => {
  it('puts the reference at the top of the list, once', () => {
    expect(addOwnImage('apps/shop/own-images', 'ghcr.io/acme/shop@sha256:abc')).toStrictEqual({
      label: 'record own image',
      argv: ['sh', '-c', ADD_OWN_IMAGE, 'sh', 'apps/shop/own-images', 'ghcr.io/acme/shop@sha256:abc']
    })
  })
})

describe('writeOwnImages', () => {
  const WRITE_OWN_IMAGES = `file=$1; shift
for ref do printf '%s\\n' "$ref"; done > "$file.tmp" && mv -f -- "$file.tmp" "$file"`

  it('replaces the list atomically, one reference a line, given as arguments', () => {
    expect(writeOwnImages('apps/shop/own-images', ['a@sha256:1', 'b@sha256:2'])).toStrictEqual({
      label: 'record own images',
      argv: ['sh', '-c', WRITE_OWN_IMAGES, 'sh', 'apps/shop/own-images', 'a@sha256:1', 'b@sha256:2']
    })
  })

  it('writes an empty list as an empty file, and each reference as one line, in a real shell', () => {
    const dir = mkdtempSync(join(tmpdir(), 'own-images-'))
    const run = (refs: string[]) => {
      const [sh, c, body, ...args] = writeOwnImages(join(dir, 'own-images'), refs).argv
      execFileSync(sh, [c, body, ...args])
      return readFileSync(join(dir, 'own-images'), 'utf8')
    }
    expect(run([])).toBe('')
    expect(run(['a@sha256:1', 'b c\\d'])).toBe('a@sha256:1\nb c\\d\n')
    rmSync(dir, { recursive: true })
  })
})

describe('readImageRecords', () => {
  it('prints the state and own-image list of every sibling instance', () => {
    expect(readImageRecords('apps', 'own-images')).toStrictEqual({
      label: 'read image records',
      argv: ['sh', '-c', READ_RECORDS, 'sh', 'apps', 'own-images']
    })
  })
})
