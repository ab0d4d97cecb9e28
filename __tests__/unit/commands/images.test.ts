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

const WRITE_ATOMIC = `target=$1 tmp="$1.bluegreen-tmp"
if [ -e "$target" ]; then cp -p -- "$target" "$tmp" || exit 1; fi
cat > "$tmp" && mv -f -- "$tmp" "$target"`

describe('addOwnImage', () => {
  it('puts the reference at the top of the list, once', () => {
    expect(addOwnImage('apps/shop/own-images', 'ghcr.io/acme/shop@sha256:abc')).toStrictEqual({
      label: 'record own image',
      argv: ['sh', '-c', ADD_OWN_IMAGE, 'sh', 'apps/shop/own-images', 'ghcr.io/acme/shop@sha256:abc']
    })
  })
})

describe('writeOwnImages', () => {
  it('replaces the list atomically, one reference a line on stdin, without sudo', () => {
    expect(writeOwnImages('apps/shop/own-images', ['a@sha256:1', 'b@sha256:2'])).toStrictEqual({
      label: 'record own images',
      argv: ['sh', '-c', WRITE_ATOMIC, 'sh', 'apps/shop/own-images'],
      stdin: 'a@sha256:1\nb@sha256:2\n'
    })
  })

  it('writes an empty list as an empty file', () => {
    expect(writeOwnImages('apps/shop/own-images', [])).toStrictEqual({
      label: 'record own images',
      argv: ['sh', '-c', WRITE_ATOMIC, 'sh', 'apps/shop/own-images'],
      stdin: ''
    })
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
