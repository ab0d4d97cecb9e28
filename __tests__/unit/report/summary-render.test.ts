/**
 * The job summary as GitHub shows it: rendered by a CommonMark renderer with GFM tables and autolinks (as
 * GitHub's is), then read as HTML. Server text, however hostile, must come out as text in its own cell or block.
 */
import MarkdownIt from 'markdown-it'
import { parseFragment, type DefaultTreeAdapterMap } from 'parse5'
import { DeployError } from '../../../src/errors.js'
import { emptyOutcome, type Outcome } from '../../../src/outcome.js'
import { Report } from '../../../src/report/report.js'
import { renderSummary } from '../../../src/report/summary.js'
import { HOSTILE_ARGS, HOSTILE_ENV, HOSTILE_MARKUP } from '../../support/hostile-values.js'

type Node = DefaultTreeAdapterMap['node']
type Element = DefaultTreeAdapterMap['element']

const HOSTILE = [...HOSTILE_MARKUP, ...HOSTILE_ARGS, ...Object.values(HOSTILE_ENV)]
const SERVER_TEXT = HOSTILE.join('\n')

const gfm = new MarkdownIt({ html: true, linkify: true })

function render(markdown: string): Element[] {
  const root = parseFragment(gfm.render(markdown))
  return elements(root as unknown as Node)
}

function elements(node: Node): Element[] {
  const children = 'childNodes' in node ? (node.childNodes as Node[]) : []
  const own = 'tagName' in node ? [node as Element] : []
  return [...own, ...children.flatMap(elements)]
}

function text(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterMap['textNode']).value
  if ('tagName' in node && node.tagName === 'br') return '\n'
  return 'childNodes' in node ? (node.childNodes as Node[]).map(text).join('') : ''
}

const childElements = (element: Element) => element.childNodes.filter((child): child is Element => 'tagName' in child)

async function successSummary(): Promise<string> {
  const report = new Report()
  for (const name of ['Find jar', 'Connect', 'Read server state', 'Health check', 'Switch nginx']) {
    await report.step(name, async note => note(`${name} done`))
  }
  report.table('Kept releases', ['Release', 'Name', 'Created', 'Role'], [['abc123', 'app.jar', '2025-01-01', 'live']])
  report.table(
    'History (newest first)',
    ['Time', 'Command', 'Result', 'Release', 'From → to', 'By'],
    [['2025-01-01T10:00:00Z', 'deploy', 'deployed', 'abc123', 'blue :8080 → green :8081', 'octocat']],
    { folded: true }
  )
  const outcome: Outcome = {
    ...emptyOutcome(),
    previous: { color: 'blue', port: 8080 },
    live: { color: 'green', port: 8081 },
    release: 'dc24fd29035d0123',
    timeToSwitchMs: 2330,
    healthAttempts: Array.from({ length: 7 }, (_, i) => ({
      atMs: i * 300,
      status: i < 6 ? null : 200,
      latencyMs: 5,
      ok: i === 6,
      detail: i < 6 ? 'connection refused or closed (not listening yet)' : 'HTTP 200, status UP'
    }))
  }
  return renderSummary({ appName: 'shop', host: 'web1', report, outcome, redact: value => value })
}

async function failureSummary(): Promise<string> {
  const report = new Report()
  await report.step('Read server state', async note => note(SERVER_TEXT))
  await report.step('Health check', async () => Promise.reject(new Error('unhealthy'))).catch(() => {})
  report.warn(`the login shell printed: ${SERVER_TEXT}`)
  const outcome: Outcome = {
    ...emptyOutcome(),
    previous: { color: 'blue', port: 8080 },
    live: { color: 'blue', port: 8080 },
    healthAttempts: HOSTILE.map((detail, i) => ({ atMs: i * 100, status: 503, latencyMs: 3, ok: false, detail })),
    logTail: `Started app\n\n${SERVER_TEXT}`,
    hooks: [{ name: 'before-switch', command: HOSTILE_ARGS.join(' '), code: 1, timedOut: false, durationMs: 900, output: SERVER_TEXT }]
  }
  const error = new DeployError(`The new version did not become healthy: ${SERVER_TEXT}`, {
    serverState: 'blue still serves',
    hint: 'Read the log tail below.'
  })
  return renderSummary({ appName: 'shop', host: 'web1', report, outcome, error, redact: value => value })
}

/** Host names and addresses full of markup, and a canary whose second step the gate failed for reasons quoting server text. */
function fleetOutcome(): Outcome {
  const traffic = (requests: number, errors: number) => ({ requests, errors, errorRate: errors / requests, p50Ms: 12, p95Ms: 80 })
  return {
    ...emptyOutcome(),
    previous: { color: 'blue', port: 8080 },
    live: { color: 'blue', port: 8080 },
    release: 'dc24fd29035d0123',
    healthAttempts: [{ atMs: 0, status: 200, latencyMs: 5, ok: true, detail: 'HTTP 200, status UP' }],
    hosts: HOSTILE_MARKUP.map((value, i) => ({
      host: value,
      address: `${value}:808${i}`,
      before: 'aa'.repeat(32),
      after: i === 0 ? 'dc24fd29035d0123' : 'aa'.repeat(32),
      slot: i === 0 ? { color: 'green', port: 8081 } : null,
      state: i === 0 ? 'rolled back' : 'untouched'
    })),
    canary: [
      { share: 5, heldMs: 60_000, canary: traffic(20, 0), stable: traffic(380, 0), healthy: true, passed: true, reasons: [] },
      { share: 25, heldMs: 60_000, canary: traffic(100, 9), stable: traffic(300, 0), healthy: false, passed: false, reasons: HOSTILE }
    ]
  }
}

async function fleetSummary(): Promise<string> {
  const report = new Report()
  await report.step('Canary', async note => note('stopped at 25%')).catch(() => {})
  const error = new DeployError('The canary gate failed at 25%.', { serverState: 'the stable version serves all traffic' })
  return renderSummary({ appName: 'shop', host: 'web1', report, outcome: fleetOutcome(), error, redact: value => value })
}

/** What the summary itself writes; anything else would have come from server text. */
const OWN_TAGS = new Set([
  'h2',
  'h3',
  'p',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'details',
  'summary',
  'strong',
  'pre',
  'code',
  'ul',
  'li',
  'br'
])

describe.each([
  ['success', successSummary, ['Health check', 'History (newest first)']],
  ['failure', failureSummary, ['Health check', 'Output (last lines)', 'Log of the new version']],
  ['fleet', fleetSummary, ['Health check']]
])('the %s summary rendered as GitHub-flavoured Markdown', (_, summary, folded) => {
  let html: Element[]
  beforeAll(async () => {
    html = render(await summary())
  })

  it('holds only the elements the summary writes, none with an attribute', () => {
    expect([...new Set(html.map(element => element.tagName))].filter(tag => !OWN_TAGS.has(tag))).toEqual([])
    expect(html.filter(element => element.attrs.length > 0).map(element => element.tagName)).toEqual([])
  })

  it('has tables with a header row of named columns, and every row as wide as its header', () => {
    const tables = html.filter(element => element.tagName === 'table')
    expect(tables.length).toBeGreaterThanOrEqual(3)
    for (const table of tables) {
      const [thead, tbody] = childElements(table)
      expect([thead.tagName, tbody.tagName]).toEqual(['thead', 'tbody'])
      const headers = childElements(childElements(thead)[0])
      expect(headers.every(th => th.tagName === 'th' && text(th).trim() !== '')).toBe(true)
      for (const row of childElements(tbody)) expect(childElements(row).map(cell => cell.tagName)).toEqual(headers.map(() => 'td'))
    }
  })

  it('folds the long parts in <details> blocks, each opening with its <summary>', () => {
    const details = html.filter(element => element.tagName === 'details')
    expect(details.map(element => text(childElements(element)[0]))).toEqual(folded.map(title => expect.stringContaining(title)))
    expect(details.map(element => childElements(element)[0].tagName)).toEqual(folded.map(() => 'summary'))
    expect(details.every(element => childElements(element).length === 2)).toBe(true)
  })
})

describe('server text in the rendered failure summary', () => {
  let html: Element[]
  beforeAll(async () => {
    html = render(await failureSummary())
  })

  it('stays in its table cell, line breaks and all', () => {
    const cell = (start: string) => html.find(element => element.tagName === 'td' && text(element).startsWith(start))
    expect(text(cell('The new version did not become healthy') as Element)).toBe(`The new version did not become healthy: ${SERVER_TEXT}`)
    expect(html.some(element => element.tagName === 'td' && text(element) === SERVER_TEXT)).toBe(true)
    for (const value of HOSTILE) {
      expect(html.some(element => element.tagName === 'td' && text(element) === `❌ ${value}`)).toBe(true)
    }
  })

  it('stays preformatted text in the log tail and the hook output', () => {
    const pres = html.filter(element => element.tagName === 'pre').map(text)
    expect(pres).toEqual([SERVER_TEXT, `Started app\n\n${SERVER_TEXT}`])
  })

  it('stays a list item in the warnings', () => {
    expect(html.filter(element => element.tagName === 'li').map(text)).toEqual([`the login shell printed: ${SERVER_TEXT}`])
  })
})

describe('the rendered fleet summary', () => {
  let html: Element[]
  beforeAll(async () => {
    html = render(await fleetSummary())
  })
  const cells = () => html.filter(element => element.tagName === 'td').map(text)
  const inDetails = (element: Element): boolean => {
    const parent = element.parentNode as Element | null
    return parent !== null && 'tagName' in parent && (parent.tagName === 'details' || inDetails(parent))
  }

  it('counts the hosts in its headline and has a Hosts and a Canary steps table', () => {
    expect(html.filter(element => element.tagName === 'h2').map(text)).toEqual([
      `❌ shop on ${HOSTILE_MARKUP.length} hosts: the run failed`
    ])
    expect(html.filter(element => element.tagName === 'h3').map(text)).toEqual(['Hosts', 'Canary steps', 'Steps'])
  })

  it("keeps each host's name and address as text in their own cells", () => {
    for (const [i, value] of HOSTILE_MARKUP.entries()) {
      const row = cells().indexOf(value)
      expect(row).toBeGreaterThanOrEqual(0)
      expect(cells()[row + 1]).toBe(`${value}:808${i}`)
    }
  })

  it("shows the failed gate's reasons as text in its cell, outside any folded part", () => {
    const gate = html.find(element => element.tagName === 'td' && text(element).startsWith('❌ failed')) as Element
    expect(text(gate)).toBe(['❌ failed', ...HOSTILE].join('\n'))
    expect(inDetails(gate)).toBe(false)
  })
})
