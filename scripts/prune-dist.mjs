// Runs after ncc: removes the Windows executables ncc copied into dist/.
// ncc copies every file a bundled module names by a static path. ssh2 names util/pagent.exe, its helper for
// PuTTY's Pageant agent on Windows; the action never uses an SSH agent (keys come from its inputs), so the
// bundle never runs it, and a published action should carry no binary nobody can review.
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const DIST = 'dist'

const removed = readdirSync(DIST, { recursive: true, encoding: 'utf8' })
  .filter(name => name.toLowerCase().endsWith('.exe'))
  .map(name => {
    rmSync(join(DIST, name))
    return name
  })
if (removed.length) console.log(`Removed from ${DIST}/: ${removed.join(', ')} (Windows executables the action never runs)`)
