/** The release workflow's gate: a tag is released only with a matching package.json version and CHANGELOG section. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { releaseNotes } from '../../../scripts/release-notes.mjs'

const CHANGELOG = `# Changelog

## [Unreleased]

### Added

- Something next.

## [1.2.0] - 2026-12-01

### Added

- Rolling deploys.

## [1.1.0] - 2026-11-01

- Older.

[1.2.0]: https://example.test/compare/v1.1.0...v1.2.0
`

test("a release's notes are its CHANGELOG section, without the link definitions", () => {
  expect(releaseNotes('v1.2.0', CHANGELOG, '1.2.0')).toBe('### Added\n\n- Rolling deploys.')
  expect(releaseNotes('v1.1.0', CHANGELOG, '1.1.0')).toBe('- Older.')
})

test('a prerelease without a section of its own takes the Unreleased one', () => {
  expect(releaseNotes('v1.3.0-rc.1', CHANGELOG, '1.3.0-rc.1')).toBe('### Added\n\n- Something next.')
})

test.each([
  ['v1.2', '1.2', /is not a release tag/],
  ['1.2.0', '1.2.0', /is not a release tag/],
  ['v1.2.0.1', '1.2.0.1', /is not a release tag/],
  ['v1.2.0', '1.1.0', /does not match package\.json's version 1\.1\.0: set "version": "1\.2\.0"/],
  ['v1.4.0', '1.4.0', /no '## \[1\.4\.0\]' section/]
])('%s with package.json %s is refused', (tag, version, message) => {
  expect(() => releaseNotes(tag, CHANGELOG, version)).toThrow(message)
})

test("the repository's CHANGELOG has an Unreleased section with content", () => {
  const changelog = readFileSync(fileURLToPath(new URL('../../../CHANGELOG.md', import.meta.url)), 'utf8')
  expect(() => releaseNotes('v0.0.0-check', changelog, '0.0.0-check')).not.toThrow()
})
