/** Every workflow, in .github/workflows and in the README's examples, limits its token and its time. */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { load } from 'js-yaml'

interface Workflow {
  permissions?: unknown
  jobs: Record<string, { permissions?: unknown; 'timeout-minutes'?: unknown; steps?: { uses?: string; run?: string }[] }>
}

const root = (file: string) => fileURLToPath(new URL(`../../../${file}`, import.meta.url))
const repository = readdirSync(root('.github/workflows')).map(name => [
  `.github/workflows/${name}`,
  readFileSync(root(`.github/workflows/${name}`), 'utf8')
])
const examples = [...readFileSync(root('README.md'), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)]
  .map(match => match[1])
  .filter(text => /^jobs:/m.test(text))
  .map((text, i) => [`README example ${i + 1} (${/^name: (.+)$/m.exec(text)?.[1]})`, text])
const workflows = [...repository, ...examples].map(([name, text]) => [name, load(text) as Workflow] as const)

test('the README has its workflow examples', () => {
  expect(examples.length).toBeGreaterThanOrEqual(4)
})

describe.each(workflows)('%s', (_name, workflow) => {
  const jobs = Object.entries(workflow.jobs)

  test('sets permissions for every job', () => {
    expect(jobs.filter(([, job]) => workflow.permissions === undefined && job.permissions === undefined).map(([id]) => id)).toStrictEqual(
      []
    )
  })

  test('gives every job a timeout-minutes', () => {
    expect(jobs.filter(([, job]) => typeof job['timeout-minutes'] !== 'number').map(([id]) => id)).toStrictEqual([])
  })

  test('never names a ghcr.io image after github.repository as it is (GHCR wants lower case)', () => {
    expect(JSON.stringify(workflow)).not.toContain('ghcr.io/${{ github.repository }}')
  })
})
