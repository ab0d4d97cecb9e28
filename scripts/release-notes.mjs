// The release's notes, for the release workflow: `node scripts/release-notes.mjs v1.2.3` prints the CHANGELOG.md
// section of 1.2.3. It fails, so that nothing is released, when the tag is not vMAJOR.MINOR.PATCH (a -prerelease
// suffix allowed), when package.json names another version, or when the CHANGELOG has no section for it.
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const TAG = /^v(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/

/** The notes of `tag` from `changelog` (Keep a Changelog: `## [1.2.3] - 2026-01-31` headings). */
export function releaseNotes(tag, changelog, packageVersion) {
  const match = TAG.exec(tag)
  if (!match) throw new Error(`Tag '${tag}' is not a release tag: expected vMAJOR.MINOR.PATCH, such as v1.2.3 or v1.3.0-rc.1.`)
  const version = tag.slice(1)
  if (packageVersion !== version)
    throw new Error(`Tag '${tag}' does not match package.json's version ${packageVersion}: set "version": "${version}" and tag again.`)
  const notes = section(changelog, version) ?? (match[4] ? section(changelog, 'Unreleased') : undefined)
  if (!notes) throw new Error(`CHANGELOG.md has no '## [${version}]' section with content: add one (move the Unreleased entries there).`)
  return notes
}

function section(changelog, name) {
  const lines = changelog.split('\n')
  const start = lines.findIndex(line => line.startsWith(`## [${name}]`))
  if (start < 0) return undefined
  const end = lines.findIndex((line, i) => i > start && /^## /.test(line))
  const body = lines
    .slice(start + 1, end < 0 ? undefined : end)
    .filter(line => !/^\[[^\]]+\]: /.test(line))
    .join('\n')
    .trim()
  return body || undefined
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'))
    console.log(releaseNotes(process.argv[2] ?? '', readFileSync('CHANGELOG.md', 'utf8'), version))
  } catch (error) {
    console.error(error.message)
    process.exit(1)
  }
}
