/**
 * Renders the report and the outcome as the job summary: Markdown made of HTML blocks (GitHub renders it
 * as GFM). Every value is HTML-escaped here, and no value can end its block: Markdown in server text stays text.
 */
import type { ActionError } from '../errors.js'
import type { Report, SummaryTable } from './report.js'
import type { HookRun, Outcome } from '../outcome.js'
import { canarySection, fleetTarget, hostsSection } from './fleet-summary.js'
import { cellHtml, escapeHtml, folded, formatMs, shortRelease, slotText, table } from './summary-html.js'

const ICON = { ok: '✅', failed: '❌', skipped: '⏭️' } as const

export interface SummaryInput {
  appName: string
  host: string
  report: Report
  outcome: Outcome
  error?: ActionError
  /** Replaces the default headline (the post step's repair report). */
  title?: string
  /** Secrets to blank out of anything that came from the server (log tail, error text). */
  redact: (text: string) => string
}

export function renderSummary({ appName, host, report, outcome, error, title: customTitle, redact }: SummaryInput): string {
  const target = fleetTarget(host, outcome.hosts)
  const title = customTitle ?? (error ? `❌ ${appName} on ${target}: the run failed` : `✅ ${appName} deployed to ${target}`)
  const parts = [`<h2>${escapeHtml(title)}</h2>\n`]
  if (error) parts.push(failureSection(error, redact))
  parts.push(
    table(
      ['Deploy', 'Before', 'After'],
      [
        ['Live slot', slotText(outcome.previous), slotText(outcome.live)],
        ['Release', '', shortRelease(outcome.release)]
      ]
    )
  )
  if (outcome.hosts.length > 0) parts.push(hostsSection(outcome.hosts))
  if (outcome.canary.length > 0) parts.push(canarySection(outcome.canary, redact))
  parts.push('<h3>Steps</h3>\n')
  parts.push(
    table(
      ['Step', 'Result', 'Duration', 'Note'],
      report.steps.map(step => [step.name, `${ICON[step.outcome]} ${step.outcome}`, formatMs(step.durationMs), redact(step.note)])
    )
  )
  if (outcome.timeToSwitchMs !== null)
    parts.push(`<p>Time to switch: ${formatMs(outcome.timeToSwitchMs)} (new version started → nginx reloaded)</p>\n`)
  if (outcome.healthAttempts.length > 0) parts.push(healthSection(outcome))
  for (const hook of outcome.hooks) parts.push(hookSection(hook, redact))
  for (const extra of report.tables) parts.push(extraTable(extra))
  if (report.warnings.length > 0)
    parts.push(`<h3>Warnings</h3>\n<ul>${report.warnings.map(w => `<li>${cellHtml(w)}</li>`).join('')}</ul>\n`)
  if (outcome.logTail) {
    const lines = outcome.logTail.replace(/\n+$/, '').split('\n').length
    parts.push(folded(`<strong>Log of the new version</strong> (last ${lines} lines)`, preBlock(redact(outcome.logTail))))
  }
  return parts.join('\n')
}

function healthSection({ healthAttempts }: Outcome): string {
  // Across hosts the attempts of every host interleave: each row names its host.
  const byHost = healthAttempts.some(attempt => attempt.host !== undefined)
  const rows = healthAttempts.map((attempt, index) => [
    String(index + 1),
    ...(byHost ? [attempt.host ?? ''] : []),
    formatMs(attempt.atMs),
    attempt.status === null ? '—' : String(attempt.status),
    formatMs(attempt.latencyMs),
    `${attempt.ok ? '✅' : '❌'} ${attempt.detail}`
  ])
  const last = rows[rows.length - 1].at(-1) as string
  const summary = `<strong>Health check</strong> (${healthAttempts.length} attempts; the last: ${cellHtml(last)})`
  return folded(summary, table(['#', ...(byHost ? ['Host'] : []), 'At', 'Status', 'Latency', 'Result'], rows))
}

function extraTable(extra: SummaryTable): string {
  if (!extra.folded) return `<h3>${escapeHtml(extra.title)}</h3>\n${extra.rows.length ? table(extra.headers, extra.rows) : '<p>none</p>\n'}`
  const summary = `<strong>${escapeHtml(extra.title)}</strong> (${extra.rows.length} ${extra.rows.length === 1 ? 'entry' : 'entries'})`
  return folded(summary, extra.rows.length ? table(extra.headers, extra.rows) : '<p>none</p>\n')
}

/** How many lines of a hook's output the summary shows; the log has more. */
const HOOK_LINES = 40

function hookSection(hook: HookRun, redact: (text: string) => string): string {
  const output = hook.output.split('\n').slice(-HOOK_LINES).join('\n')
  return (
    `<h3>${escapeHtml(hook.name)} hook: ${hookResult(hook)} (${formatMs(hook.durationMs)})</h3>\n` +
    `<p><code>${cellHtml(redact(hook.command))}</code></p>\n\n` +
    folded('Output (last lines)', preBlock(redact(output) || '(no output)'))
  )
}

function hookResult(hook: HookRun): string {
  if (hook.code === 0) return '✅ exit code 0'
  if (hook.timedOut) return '❌ timed out'
  return hook.code === null ? '❌ did not finish' : `❌ exit code ${hook.code}`
}

/**
 * Server text kept as it is. The blank line in front makes `<pre>` start its own HTML block, which only
 * `</pre>` ends: after a heading's block, a blank line in the text would end the block and render the rest as Markdown.
 */
function preBlock(text: string): string {
  return `\n<pre>${escapeHtml(text)}</pre>\n`
}

function failureSection(error: ActionError, redact: (text: string) => string): string {
  const rows = [['What happened', redact(error.message)]]
  if (error.serverState) rows.push(['Server state now', error.serverState])
  if (error.hint) rows.push(['What to do', error.hint])
  return table(['Failure', 'Detail'], rows)
}
