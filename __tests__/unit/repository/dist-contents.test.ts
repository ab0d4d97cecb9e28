/** The committed bundle: dist/ holds no Windows executable (ncc copies ssh2's pagent.exe unless the build removes it). */
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const DIST = fileURLToPath(new URL('../../../dist/', import.meta.url))

test('dist/ holds the bundle and no *.exe', () => {
  const files = readdirSync(DIST, { recursive: true, encoding: 'utf8' })
  expect(files).toContain('index.js')
  expect(files.filter(name => name.toLowerCase().endsWith('.exe'))).toStrictEqual([])
})
