import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareSlotDir } from '../../../src/commands/files.js'

describe('file commands', () => {
  it('prepares a slot directory and removes an env file an earlier version left there', () => {
    const command = prepareSlotDir('app/slots/green')
    expect(command.argv).toEqual(['sh', '-c', 'mkdir -p -- "$1" && rm -f -- "$1/env"', 'sh', 'app/slots/green'])
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
