import { DeployError } from '../../../src/errors.js'
import { emptyOutcome, type CanaryStep, type HostOutcome, type Outcome, type TrafficStats } from '../../../src/outcome.js'
import { Report } from '../../../src/report/report.js'
import { renderSummary } from '../../../src/report/summary.js'

const OLD = 'a'.repeat(64)
const NEW = 'sha256:' + 'b'.repeat(64)

const HOSTS: HostOutcome[] = [
  { host: 'web1', address: '10.0.0.1', before: OLD, after: NEW, slot: { color: 'green', port: 8081 }, state: 'updated' },
  {
    host: '<img src=x onerror=alert(1)>:2222',
    address: '"10.0.0.2" & \'x\'\n\n# heading',
    before: '',
    after: '',
    slot: null,
    state: 'failed'
  },
  { host: 'web3', address: '10.0.0.3', before: OLD, after: OLD, slot: { color: 'blue', port: 8080 }, state: 'rolled back' }
]

function stats(requests: number, errors: number, p50Ms: number | null, p95Ms: number | null): TrafficStats {
  return { requests, errors, errorRate: requests ? errors / requests : 0, p50Ms, p95Ms }
}

const STEPS: CanaryStep[] = [
  { share: 10, heldMs: 60_000, canary: stats(40, 0, 12, 48), stable: stats(360, 1, 11, 45), healthy: true, passed: true, reasons: [] },
  {
    share: 25,
    heldMs: 30_000,
    canary: stats(100, 4, 13.4, 1250),
    stable: stats(0, 0, null, null),
    healthy: false,
    passed: false,
    reasons: ['error rate 4.00% > 1.00%', 'health: <script>alert(1)</script>\n\n[click](https://e.vil) token-s3cret']
  }
]

function summary(outcome: Partial<Outcome>, error?: DeployError): string {
  return renderSummary({
    appName: 'shop',
    host: 'lb.example.com',
    report: new Report(),
    outcome: { ...emptyOutcome(), ...outcome },
    error,
    redact: text => text.split('token-s3cret').join('***')
  })
}

describe('the Hosts table of the job summary', () => {
  const html = summary({ hosts: HOSTS })

  it('shows each app host with its releases shortened, its slot and what the run did, every value escaped', () => {
    expect(html).toContain(
      '<h3>Hosts</h3>\n<table>\n' +
        '<thead><tr><th>Host</th><th>Address</th><th>Before</th><th>After</th><th>Slot</th><th>What happened</th></tr></thead>\n' +
        '<tbody>\n' +
        '<tr><td>web1</td><td>10.0.0.1</td><td>aaaaaaaaaaaa</td><td>sha256:bbbbb</td><td>green (port 8081)</td><td>✅ updated</td></tr>\n' +
        '<tr><td>&lt;img src=x onerror=alert(1)&gt;:2222</td><td>&quot;10.0.0.2&quot; &amp; &#39;x&#39;<br><br># heading</td>' +
        '<td>none</td><td>none</td><td>none</td><td>❌ failed</td></tr>\n' +
        '<tr><td>web3</td><td>10.0.0.3</td><td>aaaaaaaaaaaa</td><td>aaaaaaaaaaaa</td><td>blue (port 8080)</td><td>↩️ rolled back</td></tr>\n' +
        '</tbody>\n</table>\n'
    )
  })

  it('comes right after the deploy table, before the steps', () => {
    expect(html.indexOf('<h3>Hosts</h3>')).toBeGreaterThan(html.indexOf('<th>Deploy</th>'))
    expect(html.indexOf('<h3>Hosts</h3>')).toBeLessThan(html.indexOf('<h3>Steps</h3>'))
  })

  it('is absent on one server, and so is the canary table', () => {
    expect(summary({})).not.toMatch(/Hosts|Canary/)
  })
})

describe('the headline with several app hosts', () => {
  it('names how many hosts the run went to', () => {
    expect(summary({ hosts: HOSTS })).toMatch(/^<h2>✅ shop deployed to 3 hosts<\/h2>\n/)
    expect(summary({ hosts: HOSTS }, new DeployError('web2 did not become healthy'))).toMatch(
      /^<h2>❌ shop on 3 hosts: the run failed<\/h2>\n/
    )
  })

  it('names the one app host (escaped) when there is only one behind a separate nginx host', () => {
    expect(summary({ hosts: [HOSTS[1]] })).toMatch(/^<h2>✅ shop deployed to &lt;img src=x onerror=alert\(1\)&gt;:2222<\/h2>\n/)
  })

  it('names the server on one server', () => {
    expect(summary({})).toMatch(/^<h2>✅ shop deployed to lb.example.com<\/h2>\n/)
  })
})

describe('the Canary steps table of the job summary', () => {
  const html = summary({ canary: STEPS })
  const [canaryTable] = html.split('<h3>Canary steps</h3>')[1].split('</table>')
  const rows = canaryTable.split('\n').filter(line => line.startsWith('<tr><td>'))

  it('has a column for each number the gate judged, canary and stable side by side', () => {
    expect(html).toContain(
      '<h3>Canary steps</h3>\n<table>\n<thead><tr><th>Share</th><th>Held</th><th>Requests (canary / stable)</th>' +
        '<th>Error rate (canary / stable)</th><th>p50 (canary / stable)</th><th>p95 (canary / stable)</th>' +
        '<th>Health</th><th>Gate</th></tr></thead>\n'
    )
    expect(rows[0]).toBe(
      '<tr><td>10%</td><td>60.0 s</td><td>40 / 360</td><td>0.00% (0) / 0.28% (1)</td><td>12 ms / 11 ms</td>' +
        '<td>48 ms / 45 ms</td><td>✅ healthy</td><td>✅ passed</td></tr>'
    )
  })

  it("shows a failed step's reasons in its row, escaped, one a line, with secrets blanked out", () => {
    expect(rows[1]).toBe(
      '<tr><td>25%</td><td>30.0 s</td><td>100 / 0</td><td>4.00% (4) / —</td><td>13 ms / —</td><td>1.25 s / —</td>' +
        '<td>❌ unhealthy</td><td>❌ failed<br>error rate 4.00% &gt; 1.00%<br>' +
        'health: &lt;script&gt;alert(1)&lt;/script&gt;<br><br>[click](https://e.vil) ***</td></tr>'
    )
    expect(html).not.toContain('token-s3cret')
  })

  it('is not folded away', () => {
    expect(html).not.toContain('<details>')
  })
})

describe('health attempts across hosts', () => {
  const attempt = { atMs: 5, status: 200, latencyMs: 3, ok: true, detail: 'HTTP 200, status UP' }

  it('name the host of each attempt in its own column', () => {
    const html = summary({
      healthAttempts: [
        { ...attempt, host: 'web1' },
        { ...attempt, host: '<b>web2</b>' }
      ]
    })
    expect(html).toContain('<thead><tr><th>#</th><th>Host</th><th>At</th><th>Status</th><th>Latency</th><th>Result</th></tr></thead>')
    expect(html).toContain('<tr><td>2</td><td>&lt;b&gt;web2&lt;/b&gt;</td>')
  })

  it('keep the one-server table without a host column', () => {
    const html = summary({ healthAttempts: [attempt] })
    expect(html).toContain('<thead><tr><th>#</th><th>At</th><th>Status</th><th>Latency</th><th>Result</th></tr></thead>')
  })
})
