/**
 * Text from the server must never act as a workflow command: the sample app prints lines that look
 * like commands to its log and answers its health check with such a status. The runner-visible stdout
 * may hold only the action's own commands, and the step's state and outputs stay the action's.
 */
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction, type ActionRun } from '../../lab/run-action.mjs'
import { OWN_COMMANDS, visible, workflowCommands } from '../support/workflow-commands.js'

const HOSTILE = [
  '::add-mask::v1',
  '::error::pwned',
  '::save-state name=repair::{}',
  '::set-output name=result::deployed',
  '::stop-commands::x',
  '  ::warning::indented',
  '\u200b::error::zero-width',
  'log ##[add-mask]v1',
  '',
  '[click](https://e.vil) <img src=x>'
]
// The sample app turns `\n` into a line break; the env input itself is one KEY=VALUE per line.
const HOSTILE_ENV = `LOG_LINES=${HOSTILE.join('\\n')}\nHEALTH_STATUS=DOWN\\n${HOSTILE.join('\\n')}`

let lab: Lab

beforeAll(async () => {
  lab = await startLab({ name: 'server-text' })
  // Live: an app whose health endpoint is hostile, deployed with the plain-text / as its health path.
  const run = await runAction({ ...(await inputs('v1')), 'health-path': '/', 'verify-url': `http://127.0.0.1:${lab.nginxPort}/` })
  expect(run.outputs.result).toBe('deployed')
})
afterAll(() => lab?.stop())

async function inputs(version: string): Promise<Record<string, string>> {
  return { ...labInputs(lab, 'echo'), jar: await lab.sampleJar(version), env: HOSTILE_ENV, 'health-timeout': '3s', 'stop-timeout': '3s' }
}

/** Commands in stdout that the action did not issue: anything but annotations, groups and masks of its own secrets. */
function foreignCommands(run: ActionRun, secrets: string[]): string[] {
  return workflowCommands(run.stdout)
    .filter(
      command =>
        !OWN_COMMANDS.has(command.name) &&
        !(command.name === 'add-mask' && secrets.some(secret => visible(secret) === visible(command.data)))
    )
    .map(command => command.line)
}

function annotations(run: ActionRun): string[] {
  return workflowCommands(run.stdout)
    .filter(command => ['error', 'warning'].includes(command.name))
    .map(command => command.data)
}

const ENV_VALUES = HOSTILE_ENV.split('\n').map(line => line.slice(line.indexOf('=') + 1))

describe('server text that looks like workflow commands', () => {
  it('status: the live app’s health status is printed as plain text', async () => {
    const settings: Record<string, string> = { ...(await inputs('v1')), command: 'status', jar: '' }
    const run = await runAction(settings)
    expect(run.outputs).toMatchObject({ result: 'ok', healthy: 'false' })
    expect(foreignCommands(run, [...ENV_VALUES, settings['private-key']])).toEqual([])
    expect(annotations(run)).toEqual([])
    expect(run.stdout).toContain('\n\\::add-mask::v1\n')
    expect(run.state).toEqual({ isPost: 'true' })
  })

  it('a failed deploy prints the app’s log and the error as plain text, and keeps its own state', async () => {
    const settings = await inputs('v2')
    const run = await runAction(settings)
    expect(run.outputs).toMatchObject({ result: 'failed', 'active-color': 'blue' })
    expect(foreignCommands(run, [...ENV_VALUES, settings['private-key']])).toEqual([])
    expect(annotations(run)).toEqual([
      expect.stringMatching(/^The new version on green :\d+ did not become healthy: .*status is DOWN\n\\::add-mask::v1\n/)
    ])
    // the log tail is in the job log, each hostile line inert
    expect(run.stdout).toMatch(/::group::Log of the new version/)
    expect(run.stdout).toContain(
      '\n\\::save-state name=repair::{}\n\\::set-output name=result::deployed\n\\::stop-commands::x\n  \\::warning::indented\n'
    )
    expect(run.stdout).toContain('\nlog #\\#[add-mask]v1\n')
    expect(run.state).toEqual({ isPost: 'true', repair: JSON.stringify({ phase: 'done' }) })
    // a blank line would end the summary's HTML table and let the rest render as Markdown
    expect(run.summary).not.toMatch(/<table>(?:(?!<\/table>)[\s\S])*\n[ \t]*\n/)
    expect(run.summary).toContain('[click](https://e.vil) &lt;img src=x&gt;')
    expect((await lab.httpGet(`${lab.nginxUrl}/version`)).body.trim()).toBe('v1')
  })
})
