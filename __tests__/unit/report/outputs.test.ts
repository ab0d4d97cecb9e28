/** The step outputs and the job summary's headline as the runner gets them: through the files GITHUB_OUTPUT and GITHUB_STEP_SUMMARY name. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOutputs } from '../../../lab/run-action.mjs'
import { emptyOutcome, type Outcome } from '../../../src/outcome.js'
import { setOutputs, writeSummary } from '../../../src/report/outputs.js'
import { Report } from '../../../src/report/report.js'
import { readSettings } from '../../../src/settings/settings.js'

const FLEET: Partial<Outcome> = {
  hosts: [
    {
      host: 'web1:2222',
      address: '10.0.0.1',
      before: 'a'.repeat(64),
      after: 'b'.repeat(64),
      slot: { color: 'green', port: 8081, managementPort: 9091 },
      state: 'updated'
    },
    { host: 'web2', address: '10.0.0.2', before: '', after: '', slot: null, state: 'untouched' }
  ],
  canary: [
    {
      share: 10,
      heldMs: 60_000,
      canary: { requests: 50, errors: 5, errorRate: 0.1, p50Ms: 12, p95Ms: 90 },
      stable: { requests: 0, errors: 0, errorRate: 0, p50Ms: null, p95Ms: null },
      healthy: true,
      passed: false,
      reasons: ['error rate 10.00% > 1.00%\nsecond line "quoted"']
    }
  ]
}

// One directory for the whole file: @actions/core keeps the summary file's path after its first write.
const dir = mkdtempSync(join(tmpdir(), 'outputs-test-'))
const file = (name: string) => join(dir, name)
beforeEach(() => {
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) {
    process.env[name] = file(name)
    writeFileSync(file(name), '')
  }
})
afterAll(() => {
  delete process.env.GITHUB_OUTPUT
  delete process.env.GITHUB_STEP_SUMMARY
  rmSync(dir, { recursive: true, force: true })
})

function outputs(outcome: Partial<Outcome>): Record<string, string> {
  setOutputs('deployed', { ...emptyOutcome(), ...outcome }, new Report())
  return parseOutputs(readFileSync(file('GITHUB_OUTPUT'), 'utf8'))
}

describe('the hosts and canary-steps outputs', () => {
  it('are empty JSON arrays on one server', () => {
    expect(outputs({})).toMatchObject({ hosts: '[]', 'canary-steps': '[]' })
  })

  it('list each app host with the full release it runs now, its slot and its state', () => {
    expect(JSON.parse(outputs(FLEET).hosts)).toStrictEqual([
      { host: 'web1:2222', address: '10.0.0.1', release: 'b'.repeat(64), slot: { color: 'green', port: 8081 }, state: 'updated' },
      { host: 'web2', address: '10.0.0.2', release: '', slot: null, state: 'untouched' }
    ])
  })

  it('list each canary step with the numbers the gate judged and why it failed', () => {
    expect(JSON.parse(outputs(FLEET)['canary-steps'])).toStrictEqual([
      {
        share: 10,
        heldMs: 60_000,
        canary: { requests: 50, errors: 5, errorRate: 0.1, p50Ms: 12, p95Ms: 90 },
        stable: { requests: 0, errors: 0, errorRate: 0, p50Ms: null, p95Ms: null },
        healthy: true,
        passed: false,
        reasons: ['error rate 10.00% > 1.00%\nsecond line "quoted"']
      }
    ])
  })

  it('are each one line', () => {
    const { hosts, 'canary-steps': steps } = outputs(FLEET)
    expect([hosts, steps].filter(value => /[\r\n]/.test(value))).toEqual([])
  })
})

describe('the job summary headline', () => {
  const settings = (command: string) =>
    readSettings(
      name => ({ command, host: 'lb.example.com', username: 'deploy', password: 'pw', jar: 'x.jar', 'app-name': 'shop' })[name] ?? ''
    )
  const headline = async (command: string, outcome: Partial<Outcome>) => {
    writeFileSync(file('GITHUB_STEP_SUMMARY'), '')
    await writeSummary(settings(command), new Report(), { ...emptyOutcome(), ...outcome })
    return readFileSync(file('GITHUB_STEP_SUMMARY'), 'utf8').split('\n')[0]
  }

  it('counts the app hosts when there are several', async () => {
    expect(await headline('deploy', FLEET)).toBe('<h2>✅ shop deployed to 2 hosts</h2>')
    expect(await headline('rollback', FLEET)).toBe('<h2>✅ shop rolled back on 2 hosts</h2>')
  })

  it('names the server on one server', async () => {
    expect(await headline('deploy', {})).toBe('<h2>✅ shop deployed to lb.example.com</h2>')
  })
})
