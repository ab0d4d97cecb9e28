/** Every input and output in action.yml has a row in the README's Inputs or Outputs table, and every row names a real one. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { load } from 'js-yaml'

const root = (file: string) => fileURLToPath(new URL(`../../../${file}`, import.meta.url))
const action = load(readFileSync(root('action.yml'), 'utf8')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> }
const readme = readFileSync(root('README.md'), 'utf8')

/** The names in backticks in the first column of the table in the README's `## <heading>` section. */
function documented(heading: string): string[] {
  const section = readme.split(/^## /m).find(part => part.startsWith(`${heading}\n`))
  if (!section) throw new Error(`README.md has no '## ${heading}' section`)
  return section
    .split('\n')
    .filter(line => line.startsWith('| `'))
    .flatMap(line => [...line.split('|')[1].matchAll(/`([^`]+)`/g)].map(match => match[1]))
}

describe.each([
  ['inputs', 'Inputs'],
  ['outputs', 'Outputs']
] as const)('action.yml %s', (key, heading) => {
  const declared = Object.keys(action[key])
  const rows = documented(heading)

  test(`are all in the README's ${heading} table`, () => {
    expect(declared.filter(name => !rows.includes(name))).toStrictEqual([])
  })

  test(`are the only names in the README's ${heading} table`, () => {
    expect(rows.filter(name => !declared.includes(name))).toStrictEqual([])
  })

  test('are found at all (the parse worked)', () => {
    expect(declared.length).toBeGreaterThan(key === 'inputs' ? 40 : 10)
  })
})
