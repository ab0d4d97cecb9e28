// Aggregation (medians across runs) and the printed Markdown.
import fs from 'node:fs'
import os from 'node:os'
import { median, sum } from './util.mjs'

export function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown'
  let distro = ''
  try {
    distro = fs.readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? ''
  } catch {
    /* not Linux */
  }
  return {
    nproc: os.availableParallelism(),
    cpu,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    distro,
    node: process.version
  }
}

/** @param {{ metrics: ReturnType<typeof import('./load.mjs').analyse>, ok: boolean, extra: Record<string, any> }[]} runs */
export function aggregate(runs) {
  const col = (/** @type {string} */ key) => runs.map(r => /** @type {any} */ (r.metrics)[key])
  const ex = (/** @type {string} */ key) => runs.map(r => r.extra[key])
  return {
    runs: runs.length,
    deploysFailed: runs.filter(r => !r.ok).length,
    requestsFast: median(col('requestsFast')),
    requestsSlow: median(col('requestsSlow')),
    failedFast: median(col('failedFast')),
    failedSlow: median(col('failedSlow')),
    failedFastTotal: sum(col('failedFast')),
    failedSlowTotal: sum(col('failedSlow')),
    downtimeMs: median(col('downtimeMs')),
    switchMs: median(col('switchMs')),
    switchMissing: col('switchMs').filter(v => v === null).length,
    deployMs: median(col('deployMs')),
    timeToSwitchOutputMs: median(ex('timeToSwitchOutputMs')),
    readStateMs: median(ex('readStateMs')),
    healthCheckMs: median(ex('healthCheckMs')),
    drainMs: median(ex('drainMs')),
    stopOldMs: median(ex('stopOldMs'))
  }
}

const s = (/** @type {number | null} */ ms) => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`)
const n = (/** @type {number | null} */ v) => (v === null || v === undefined ? '—' : String(Math.round(v)))

/** @param {string[]} header @param {string[][]} rows */
export function mdTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)))
  const line = (/** @type {string[]} */ cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  return [line(header), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')
}

/**
 * @param {{ title: string, agg: ReturnType<typeof aggregate> }[]} scenarios
 */
export function scenarioTable(scenarios) {
  return mdTable(
    [
      'Deploy method',
      'Runs',
      'Requests (fast / slow)',
      'Failed fast (Σ)',
      'Failed slow (Σ)',
      'Downtime window',
      'Time to switch',
      'Total deploy time'
    ],
    scenarios.map(({ title, agg: a }) => [
      title,
      String(a.runs),
      `${n(a.requestsFast)} / ${n(a.requestsSlow)}`,
      `${n(a.failedFast)} (${a.failedFastTotal})`,
      `${n(a.failedSlow)} (${a.failedSlowTotal})`,
      s(a.downtimeMs),
      s(a.switchMs),
      s(a.deployMs)
    ])
  )
}

/** @param {{ label: string, value: string, target: string, pass: boolean | null }[]} rows */
export function targetTable(rows) {
  return mdTable(
    ['Action metric', 'Measured', 'Target', 'Met'],
    rows.map(r => [r.label, r.value, r.target, r.pass === null ? 'n/a' : r.pass ? 'yes' : 'NO'])
  )
}

export { s as seconds, n as whole }
