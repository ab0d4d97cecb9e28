import { emptyOutcome } from '../../../src/outcome.js'
import { DeployError } from '../../../src/errors.js'
import { renderComment } from '../../../src/preview/github.js'
import { Report } from '../../../src/report/report.js'
import { renderSummary } from '../../../src/report/summary.js'
import { workflowCommands } from '../../support/workflow-commands.js'

const SERVER_TEXT = 'HTTP 200 but status is DOWN\n::add-mask::v1\n\n[click](https://e.vil) <img src=x> @octocat | #1 `x`'

describe('server text in the job summary', () => {
  it('stays inside its table cell: no blank line ends the HTML block', () => {
    const report = new Report()
    report.warn(`warning about ${SERVER_TEXT}`)
    const html = renderSummary({
      appName: 'shop',
      host: 'h',
      report,
      outcome: emptyOutcome(),
      error: new DeployError(SERVER_TEXT),
      redact: text => text
    })
    expect(html).not.toMatch(/<table>(?:(?!<\/table>)[\s\S])*\n[ \t]*\n/)
    expect(html).toMatch(/<ul>[^\n]*<\/ul>/)
    expect(html).toContain('status is DOWN<br>::add-mask::v1<br><br>[click](https://e.vil) &lt;img src=x&gt;')
  })
})

describe('server text in the PR comment', () => {
  it('is one code span in one table row', () => {
    const markdown = renderComment('shop', 7, {
      url: 'https://pr-7.example.com',
      release: 'sha256:`|' + 'a'.repeat(10),
      healthy: false,
      state: 'failed',
      detail: SERVER_TEXT
    })
    const rows = markdown.split('\n').filter(line => line.startsWith('|'))
    expect(rows).toHaveLength(6)
    expect(rows[5]).toBe(
      '| State | `` HTTP 200 but status is DOWN ::add-mask::v1  [click](https://e.vil) <img src=x> @octocat \\| #1 `x` `` |'
    )
    expect(rows[3]).toBe('| Release | `` `\\|aaaaaaaaaa `` |')
  })
})

describe('the step log', () => {
  it('prints notes that quote the server as plain text', () => {
    const lines: string[] = []
    const report = new Report(line => lines.push(line))
    return report
      .step('Health of live version', async note => note(SERVER_TEXT))
      .then(() => {
        expect(workflowCommands(lines.join('\n'))).toEqual([])
        expect(lines.join('\n')).toContain('\n\\::add-mask::v1\n')
      })
  })
})
