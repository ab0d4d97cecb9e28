import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  freeSpace,
  listJarReleases,
  makeDir,
  prepareRelease,
  prepareSlotDir,
  pruneOldest,
  readOptional,
  receiveFile,
  removeFile,
  removeQuietly,
  removeTree,
  writeFileAtomic
} from '../../../src/commands/files.js'

const PREPARE_RELEASE = `release=$1 jar=$2; shift 2
mkdir -p -- "$release" "$@" && touch -- "$release" || exit 1
if [ -f "$jar" ]; then sha256sum -- "$jar" | cut -d" " -f1; exit 0; fi
echo
cd -- "\${release%/*}" 2>/dev/null || exit 0
ls -1t | while IFS= read -r name; do
  [ "$name" != "\${release##*/}" ] && [ -f "$name/\${jar##*/}" ] && [ -f "$name/\${jar##*/}.chunks" ] && [ -f "$name/sha256" ] || continue
  printf '== delta-base %s\\n' "$name"; cat -- "$name/sha256" "$name/\${jar##*/}.chunks"; break
done`

const RECEIVE = `part=$1 final=$2 want=$3
got=$(tee -- "$part" | sha256sum | cut -d" " -f1)
if [ "$got" != "$want" ]; then rm -f -- "$part"; echo "checksum mismatch: expected $want, got $got (upload cut short?)" >&2; exit 3; fi
mv -f -- "$part" "$final" && printf '%s\\n' "$want" > "\${final%/*}/sha256"`

const WRITE_ATOMIC = `target=$1 tmp="$1.bluegreen-tmp"
if [ -e "$target" ]; then cp -p -- "$target" "$tmp" || exit 1; fi
cat > "$tmp" && mv -f -- "$tmp" "$target"`

const PRUNE = `dir=$1 keep=$2; shift 2
cd -- "$dir" 2>/dev/null || exit 0
ls -1t | tail -n +$((keep + 1)) | while IFS= read -r name; do
  for protected in "$@"; do [ "$name" = "$protected" ] && continue 2; done
  rm -rf -- "$name" && echo "$name"
done`

// Unlike the other scripts, the printf format here holds a real newline character, which printf prints as it is.
const LIST_RELEASES = `cd -- "$1" 2>/dev/null || exit 0
ls -1t | while IFS= read -r name; do
  [ -f "$name/sha256" ] && printf '%s %s\n' "$(cat -- "$name/sha256")" "$(date -r "$name" -u +%Y-%m-%dT%H:%M:%SZ)"
done`

describe('prepareRelease', () => {
  it('creates the release and slot directories and prints the sha256 of a jar already there', () => {
    expect(prepareRelease('app/releases/abc', 'app/releases/abc/app.jar', ['app/slots/blue', 'app/slots/green'])).toStrictEqual({
      label: 'prepare release directory',
      argv: ['sh', '-c', PREPARE_RELEASE, 'sh', 'app/releases/abc', 'app/releases/abc/app.jar', 'app/slots/blue', 'app/slots/green']
    })
  })

  it('works with no other directories', () => {
    expect(prepareRelease('r', 'r/app.jar', [])).toStrictEqual({
      label: 'prepare release directory',
      argv: ['sh', '-c', PREPARE_RELEASE, 'sh', 'r', 'r/app.jar']
    })
  })

  it("prints the newest other release that has a jar, an index and a sha256 as the delta's base", () => {
    const root = mkdtempSync(join(tmpdir(), 'releases-'))
    const run = (name: string) => {
      const { argv } = prepareRelease(join(root, name), join(root, name, 'app.jar'), [])
      return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' })
    }
    const release = (name: string, files: Record<string, string>, age: number) => {
      mkdirSync(join(root, name))
      for (const [file, text] of Object.entries(files)) writeFileSync(join(root, name, file), text)
      const time = new Date(Date.now() - age * 60_000)
      utimesSync(join(root, name), time, time)
    }
    try {
      expect(run('first')).toBe('\n')
      release('old', { 'app.jar': 'jar', 'app.jar.chunks': 'old index\n', sha256: 'old-sha\n' }, 30)
      release('newer', { 'app.jar': 'jar', 'app.jar.chunks': 'newer index\n', sha256: 'newer-sha\n' }, 20)
      release('no-index', { 'app.jar': 'jar', sha256: 'x\n' }, 10)
      expect(run('new')).toBe('\n== delta-base newer\nnewer-sha\nnewer index\n')
      writeFileSync(join(root, 'new', 'app.jar'), 'jar')
      expect(run('new')).toBe(`${createHash('sha256').update('jar').digest('hex')}\n`)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

describe('receiveFile', () => {
  it('writes stdin to a .part file, verifies it and moves it in place', () => {
    expect(receiveFile('app/releases/abc/app.jar', 'ab12')).toStrictEqual({
      label: 'upload and verify',
      argv: ['sh', '-c', RECEIVE, 'sh', 'app/releases/abc/app.jar.part', 'app/releases/abc/app.jar', 'ab12'],
      timeoutMs: 3_600_000
    })
  })
})

describe('writeFileAtomic', () => {
  it('replaces a file of the login user, content on stdin, labelled with the path by default', () => {
    expect(writeFileAtomic('app/x.json', 'x\n')).toStrictEqual({
      label: 'write app/x.json',
      argv: ['sh', '-c', WRITE_ATOMIC, 'sh', 'app/x.json'],
      stdin: 'x\n'
    })
  })

  it('takes a given label', () => {
    expect(writeFileAtomic('app/state.json', '{}', 'record state')).toStrictEqual({
      label: 'record state',
      argv: ['sh', '-c', WRITE_ATOMIC, 'sh', 'app/state.json'],
      stdin: '{}'
    })
  })
})

describe('removeFile', () => {
  it('removes with or without sudo -n', () => {
    expect(removeFile('/etc/nginx/x.inc', true)).toStrictEqual({
      label: 'remove /etc/nginx/x.inc',
      argv: ['sudo', '-n', 'rm', '-f', '--', '/etc/nginx/x.inc']
    })
    expect(removeFile('app/x', false)).toStrictEqual({ label: 'remove app/x', argv: ['rm', '-f', '--', 'app/x'] })
  })
})

describe('pruneOldest', () => {
  it('keeps the newest entries and the protected ones', () => {
    expect(pruneOldest('app/releases', 3, ['abc', 'def'])).toStrictEqual({
      label: 'prune old releases',
      argv: ['sh', '-c', PRUNE, 'sh', 'app/releases', '3', 'abc', 'def']
    })
  })

  it('works with nothing protected', () => {
    expect(pruneOldest('app/releases', 0, [])).toStrictEqual({
      label: 'prune old releases',
      argv: ['sh', '-c', PRUNE, 'sh', 'app/releases', '0']
    })
  })
})

describe('small file commands', () => {
  it('removeQuietly', () => {
    expect(removeQuietly('app/releases/abc/app.jar.part')).toStrictEqual({
      label: 'remove partial upload',
      argv: ['rm', '-f', '--', 'app/releases/abc/app.jar.part']
    })
  })

  it('freeSpace', () => {
    expect(freeSpace('app/releases')).toStrictEqual({ label: 'check free disk space', argv: ['df', '-Pk', '--', 'app/releases'] })
  })

  it('listJarReleases', () => {
    expect(listJarReleases('app/releases')).toStrictEqual({
      label: 'list releases',
      argv: ['sh', '-c', LIST_RELEASES, 'sh', 'app/releases']
    })
  })

  it('readOptional', () => {
    expect(readOptional('app/state.json', 'read state')).toStrictEqual({
      label: 'read state',
      argv: ['sh', '-c', 'cat -- "$1" 2>/dev/null || true', 'sh', 'app/state.json']
    })
  })

  it('makeDir', () => {
    expect(makeDir('app/previews')).toStrictEqual({ label: 'create directory', argv: ['mkdir', '-p', '--', 'app/previews'] })
  })

  it('removeTree', () => {
    expect(removeTree('app/previews/pr-7')).toStrictEqual({ label: 'remove files', argv: ['rm', '-rf', '--', 'app/previews/pr-7'] })
  })
})

describe('prepareSlotDir', () => {
  it('prepares a slot directory and removes an env file an earlier version left there', () => {
    const command = prepareSlotDir('app/slots/green')
    expect(command).toStrictEqual({
      label: 'prepare slot directory',
      argv: ['sh', '-c', 'mkdir -p -- "$1" && rm -f -- "$1/env"', 'sh', 'app/slots/green']
    })
    const root = mkdtempSync(join(tmpdir(), 'slot-'))
    try {
      const slot = join(root, 'slots', 'green')
      execFileSync(command.argv[0], [...command.argv.slice(1, -1), slot])
      expect(existsSync(slot)).toBe(true)
      mkdirSync(slot, { recursive: true })
      writeFileSync(join(slot, 'env'), 'TOKEN=s3cret\n')
      execFileSync(command.argv[0], [...command.argv.slice(1, -1), slot])
      expect(existsSync(join(slot, 'env'))).toBe(false)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
