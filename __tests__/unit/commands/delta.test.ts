import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { bytesFor as bytes } from '../../../lab/fat-jar.mjs'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { receiveDelta, writeChunkIndex } from '../../../src/commands/delta.js'
import { deltaHeader, formatIndex, planDelta } from '../../../src/runtimes/chunk-index.js'
import { chunkBuffer } from '../../../src/runtimes/chunker.js'

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

describe('receiveDelta', () => {
  it('rebuilds the jar from the base jar and the upload on stdin, for an hour at most', () => {
    expect(receiveDelta('app/releases/new/app.jar', 'app/releases/old/app.jar', 'ab12')).toStrictEqual({
      label: 'rebuild jar from delta',
      argv: ['sh', '-c', RECEIVE_DELTA, 'sh', 'app/releases/old/app.jar', 'app/releases/new/app.jar', 'ab12'],
      timeoutMs: 3_600_000
    })
  })
})

describe('writeChunkIndex', () => {
  it('writes the index from stdin through a .part file', () => {
    expect(writeChunkIndex('app/releases/new/app.jar.chunks', 'INDEX\n')).toStrictEqual({
      label: 'write chunk index',
      argv: [
        'sh',
        '-c',
        'cat > "$1.part" && mv -f -- "$1.part" "$1" || { rm -f -- "$1.part"; exit 1; }',
        'sh',
        'app/releases/new/app.jar.chunks'
      ],
      stdin: 'INDEX\n'
    })
  })
})

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')

/** An old jar on "the server" and a new one that differs in two places, with the delta upload between them. */
function scenario() {
  const root = mkdtempSync(join(tmpdir(), 'delta-'))
  const old = bytes('old', 1_500_000)
  const next = Buffer.concat([old.subarray(0, 300_000), bytes('changed', 4000), old.subarray(310_000, 1_400_000), bytes('tail', 20_000)])
  mkdirSync(join(root, 'old'))
  mkdirSync(join(root, 'new'))
  writeFileSync(join(root, 'old', 'app.jar'), old)
  const chunks = chunkBuffer(next)
  const plan = planDelta(chunks, chunkBuffer(old))
  const index = formatIndex({ sha256: sha(next), size: next.length, chunks })
  const upload = Buffer.concat([deltaHeader(plan, index), ...plan.literals.map(r => next.subarray(r.offset, r.offset + r.length))])
  const run = (input: Buffer, want = sha(next)) => {
    const { argv } = receiveDelta(join(root, 'new', 'app.jar'), join(root, 'old', 'app.jar'), want)
    return spawnSync(argv[0], argv.slice(1), { input, encoding: 'utf8' })
  }
  return { root, old, next, plan, index, upload, run }
}

describe('the rebuild script, run by sh', () => {
  it('rebuilds a byte-identical jar, writes its index and sha256, and leaves nothing else', () => {
    const { root, next, plan, index, upload, run } = scenario()
    try {
      expect(plan.literalBytes).toBeLessThan(next.length / 5)
      const result = run(upload)
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      expect(readFileSync(join(root, 'new', 'app.jar')).equals(next)).toBe(true)
      expect(readFileSync(join(root, 'new', 'app.jar.chunks'), 'utf8')).toBe(index)
      expect(readFileSync(join(root, 'new', 'sha256'), 'utf8')).toBe(`${sha(next)}\n`)
      expect(readdirSync(join(root, 'new')).sort()).toEqual(['app.jar', 'app.jar.chunks', 'sha256'])
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('fails with exit code 3 and removes what it wrote when the base jar differs from its index', () => {
    const { root, old, upload, run } = scenario()
    try {
      old[700_000] ^= 0xff
      writeFileSync(join(root, 'old', 'app.jar'), old)
      const result = run(upload)
      expect(result.status).toBe(3)
      expect(result.stderr).toMatch(
        /^the rebuilt jar's sha256 is [0-9a-f]{64}, not [0-9a-f]{64} \(the earlier release's jar or index differs/
      )
      expect(readdirSync(join(root, 'new'))).toEqual([])
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('refuses an upload that is cut short, not a delta, or names a base that is gone', () => {
    const { root, upload, run } = scenario()
    try {
      expect(run(upload.subarray(0, upload.length - 100))).toMatchObject({
        status: 3,
        stderr: expect.stringMatching(/rebuilt jar's sha256/)
      })
      expect(run(Buffer.from('PK\x03\x04 a jar'))).toMatchObject({ status: 3, stderr: 'the upload is not a delta\n' })
      expect(run(Buffer.from('bluegreen-delta 1 $(id)\n'))).toMatchObject({ status: 3, stderr: "the upload's header is damaged\n" })
      rmSync(join(root, 'old', 'app.jar'))
      expect(run(upload)).toMatchObject({ status: 3, stderr: "the earlier release's jar is gone\n" })
      expect(readdirSync(join(root, 'new'))).toEqual([])
      expect(existsSync(join(root, 'new', 'app.jar.delta'))).toBe(false)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('refuses ranges that are not numbers', () => {
    const { root, next, run } = scenario()
    try {
      const body = 'o $(id) 5\nchunks\n'
      const header = `bluegreen-delta 1 ${'bluegreen-delta 1 NN\n'.length + body.length}\n${body}`
      expect(run(Buffer.from(header), sha(next))).toMatchObject({ status: 3, stderr: 'could not rebuild the jar\n' })
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
