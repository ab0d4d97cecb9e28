/** The job summary's parts for several app hosts and for canary steps; both are absent on one server. */
import type { CanaryStep, HostOutcome, TrafficStats } from '../outcome.js'
import { formatMs, shortRelease, slotText, table } from './summary-html.js'

/** What the headline names: the one server, or how many app hosts the run went to. */
export function fleetTarget(host: string, hosts: HostOutcome[]): string {
  if (hosts.length === 0) return host
  return hosts.length === 1 ? hosts[0].host : `${hosts.length} hosts`
}

const STATE_ICON: Record<HostOutcome['state'], string> = {
  updated: '✅',
  unchanged: '➖',
  untouched: '⏭️',
  'rolled back': '↩️',
  failed: '❌'
}

export function hostsSection(hosts: HostOutcome[]): string {
  const rows = hosts.map(host => [
    host.host,
    host.address,
    releaseText(host.before),
    releaseText(host.after),
    slotText(host.slot),
    `${STATE_ICON[host.state]} ${host.state}`
  ])
  return `<h3>Hosts</h3>\n${table(['Host', 'Address', 'Before', 'After', 'Slot', 'What happened'], rows)}`
}

function releaseText(release: string): string {
  return release ? shortRelease(release) : 'none'
}

const CANARY_HEADERS = [
  'Share',
  'Held',
  'Requests (canary / stable)',
  'Error rate (canary / stable)',
  'p50 (canary / stable)',
  'p95 (canary / stable)',
  'Health',
  'Gate'
]

/** Not folded: a failed step's reasons are the first thing to read after a stopped canary. */
export function canarySection(steps: CanaryStep[], redact: (text: string) => string): string {
  const rows = steps.map(step => [
    `${step.share}%`,
    formatMs(step.heldMs),
    pair(step, stats => String(stats.requests)),
    pair(step, errorRateText),
    pair(step, stats => latencyText(stats.p50Ms)),
    pair(step, stats => latencyText(stats.p95Ms)),
    step.healthy ? '✅ healthy' : '❌ unhealthy',
    gateText(step, redact)
  ])
  return `<h3>Canary steps</h3>\n${table(CANARY_HEADERS, rows)}`
}

function pair(step: CanaryStep, show: (stats: TrafficStats) => string): string {
  return `${show(step.canary)} / ${show(step.stable)}`
}

/** Without requests there is no rate to speak of (the outcome says 0). */
function errorRateText(stats: TrafficStats): string {
  return stats.requests === 0 ? '—' : `${(stats.errorRate * 100).toFixed(2)}% (${stats.errors})`
}

function latencyText(ms: number | null): string {
  return ms === null ? '—' : formatMs(Math.round(ms))
}

/** One reason a line, so that each stays readable in the cell. */
function gateText(step: CanaryStep, redact: (text: string) => string): string {
  if (step.passed) return '✅ passed'
  return ['❌ failed', ...step.reasons.map(reason => redact(reason))].join('\n')
}
