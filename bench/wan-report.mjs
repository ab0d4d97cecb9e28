// The WAN mode's figures: per method and deploy kind, loopback against the WAN link, in round trips.
import { mdTable } from './report.mjs'
import { median, sum } from './util.mjs'

/**
 * @typedef {{
 *   method: string, title: string, link: 'loopback' | 'wan', run: number, kind: 'first' | 'change', version: string,
 *   ok: boolean, served: string, metrics: ReturnType<typeof import('./load.mjs').analyse>,
 *   bytesUp: number | null, bytesDown: number | null, connections: number | null, extra: Record<string, any>, log?: string
 * }} WanRecord
 * @typedef {{ rttMs: number, mbit: number, jarBytes: number }} WanLinkInfo
 */

const MiB = 1024 * 1024
const s = (/** @type {number | null} */ ms) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`)
const r1 = (/** @type {number | null} */ v) => (v === null ? '—' : v.toFixed(1))

/** Milliseconds the link needs to carry `bytes` at its rate. @param {number} bytes @param {WanLinkInfo} link */
const transferMs = (bytes, link) => (bytes * 8) / (link.mbit * 1000)

/** @param {{ loopback: number | null, wan: number | null }} t @param {WanLinkInfo} link */
const extraTrips = (t, link) => (t.loopback === null || t.wan === null ? null : (t.wan - t.loopback) / link.rttMs)

/**
 * @param {WanRecord[]} records @param {{ id: string, title: string }[]} methods @param {WanLinkInfo} link
 */
export function aggregateWan(records, methods, link) {
  return methods.flatMap(m =>
    /** @type {const} */ (['first', 'change']).map(kind => {
      const all = records.filter(r => r.method === m.id && r.kind === kind)
      const on = (/** @type {string} */ l) => all.filter(r => r.link === l && r.ok)
      const [loop, wan] = [on('loopback'), on('wan')]
      const med = (/** @type {WanRecord[]} */ rs, /** @type {(r: WanRecord) => any} */ f) => median(rs.map(f))
      /** Medians per link of a time, and of the same time less the run's upload. @param {(r: WanRecord) => number | null} f */
      const times = f => {
        const less = (/** @type {WanRecord} */ r) => (f(r) === null || r.extra.uploadMs == null ? null : f(r) - r.extra.uploadMs)
        return { loopback: med(loop, f), wan: med(wan, f), lessUpload: { loopback: med(loop, less), wan: med(wan, less) } }
      }
      const deploy = times(r => r.metrics.deployMs)
      const sw = times(r => r.metrics.switchMs)
      const bytesUp = med(wan, r => r.bytesUp)
      /** Round trips in the extra time the WAN took, in all and outside the upload. @param {ReturnType<typeof times>} t */
      const trips = t => ({ raw: extraTrips(t, link), outsideUpload: extraTrips(t.lessUpload, link) })
      return {
        method: m.id,
        title: m.title,
        kind,
        runs: { loopback: loop.length, wan: wan.length },
        deploysFailed: all.filter(r => !r.ok).length,
        deployMs: deploy,
        deployRoundTrips: trips(deploy),
        switchMs: sw,
        switchRoundTrips: trips(sw),
        bytesUp,
        connections: med(wan, r => r.connections),
        bytesUpShare: bytesUp === null ? null : bytesUp / link.jarBytes,
        transferMs: bytesUp === null ? null : transferMs(bytesUp, link),
        uploadMs: { loopback: med(loop, r => r.extra.uploadMs), wan: med(wan, r => r.extra.uploadMs) },
        failedFast: sum(all.map(r => r.metrics.failedFast)),
        failedSlow: sum(all.map(r => r.metrics.failedSlow)),
        deploys: all.length
      }
    })
  )
}

/** @param {ReturnType<typeof aggregateWan>} rows */
export function wanTable(rows) {
  return mdTable(
    [
      'Method',
      'Deploy',
      'Deploy time loopback / WAN',
      'Round trips',
      'Outside the upload',
      'Time to switch loopback / WAN',
      'Switch round trips (outside the upload)',
      'Bytes sent (at the link rate)',
      'Upload loopback / WAN',
      'TCP connections',
      'Failed requests'
    ],
    rows.map(r => [
      r.title,
      r.kind === 'first' ? 'first' : 'one-class change',
      `${s(r.deployMs.loopback)} / ${s(r.deployMs.wan)}`,
      r1(r.deployRoundTrips.raw),
      r1(r.deployRoundTrips.outsideUpload),
      `${s(r.switchMs.loopback)} / ${s(r.switchMs.wan)}`,
      `${r1(r.switchRoundTrips.raw)} (${r1(r.switchRoundTrips.outsideUpload)})`,
      r.bytesUp === null ? '—' : `${(r.bytesUp / MiB).toFixed(2)} MiB = ${((r.bytesUpShare ?? 0) * 100).toFixed(1)} % (${s(r.transferMs)})`,
      `${s(r.uploadMs.loopback)} / ${s(r.uploadMs.wan)}`,
      r.connections === null ? '—' : String(r.connections),
      (r.kind === 'first' ? 'n/a' : `${r.failedFast} + ${r.failedSlow}`) + (r.deploysFailed ? `, ${r.deploysFailed} deploy(s) FAILED` : '')
    ])
  )
}

/** "Start new version on blue :8080" and "Drain old version (green)" name the same step whatever the colour. @param {string} name */
const stepKey = name => name.replace(/ (on )?\(?(blue|green)\)?( :\d+)?/g, '').trim()

/**
 * The action's summary steps, loopback against WAN, in round trips.
 * @param {WanRecord[]} records @param {string} method @param {WanLinkInfo} link
 */
export function actionSteps(records, method, link) {
  const rows =
    /** @type {{ step: string, kind: string, loopbackMs: number | null, wanMs: number | null, roundTrips: number | null }[]} */ ([])
  for (const kind of ['first', 'change']) {
    const runs = records.filter(r => r.method === method && r.kind === kind && r.ok)
    /** @type {string[]} */
    const names = []
    for (const r of runs) for (const st of r.extra.steps ?? []) if (!names.includes(stepKey(st.name))) names.push(stepKey(st.name))
    for (const step of names) {
      const ms = (/** @type {string} */ l) =>
        median(runs.filter(r => r.link === l).map(r => r.extra.steps.find((/** @type {any} */ x) => stepKey(x.name) === step)?.ms))
      const [loopbackMs, wanMs] = [ms('loopback'), ms('wan')]
      rows.push({
        step,
        kind,
        loopbackMs,
        wanMs,
        roundTrips: loopbackMs === null || wanMs === null ? null : (wanMs - loopbackMs) / link.rttMs
      })
    }
  }
  return rows
}

/** @param {ReturnType<typeof actionSteps>} rows */
export function stepTable(rows) {
  const steps = [...new Set(rows.map(r => r.step))]
  const cell = (/** @type {string} */ step, /** @type {string} */ kind) => {
    const r = rows.find(x => x.step === step && x.kind === kind)
    return r ? `${s(r.loopbackMs)} / ${s(r.wanMs)} = ${r1(r.roundTrips)}` : '—'
  }
  return mdTable(
    ['Action step', 'First deploy: loopback / WAN = round trips', 'One-class change: loopback / WAN = round trips'],
    steps.map(step => [step, cell(step, 'first'), cell(step, 'change')])
  )
}

/**
 * @param {{ state: 'idle' | 'timewait', ok: boolean, timeWait: number | null, readStateMs: number | null }[]} samples
 * @param {number} added TIME_WAIT sockets the benchmark made for the second row
 */
export function timeWaitTable(samples, added) {
  const row = (/** @type {'idle' | 'timewait'} */ state, /** @type {string} */ label) => {
    const xs = samples.filter(x => x.state === state && x.ok)
    return [
      label,
      String(xs.length),
      `${median(xs.map(x => x.timeWait)) ?? '—'}`,
      s(median(xs.map(x => x.readStateMs))),
      xs.map(x => s(x.readStateMs)).join(', ')
    ]
  }
  return mdTable(
    ['Machine', 'Deploys', 'TIME_WAIT sockets on it (median)', '"Read server state" (median)', 'Samples'],
    [row('idle', 'as it is (other work included)'), row('timewait', `with ${added} more TIME_WAIT sockets`)]
  )
}

/**
 * The action against the goals for the WAN.
 * @param {ReturnType<typeof aggregateWan>} rows @param {ReturnType<typeof actionSteps>} steps
 * @param {{ state: string, ok: boolean, readStateMs: number | null }[]} timeWait
 */
export function goalTable(rows, steps, timeWait) {
  const find = (/** @type {string} */ method, /** @type {string} */ kind) => rows.find(r => r.method === method && r.kind === kind)
  const [first, change] = [find('action-jar', 'first'), find('action-jar', 'change')]
  const scpFirst = find('scp-ssh-script', 'first')
  const sw = steps.filter(x => x.step === 'Switch nginx')
  const readState = (/** @type {string} */ state) => median(timeWait.filter(x => x.state === state && x.ok).map(x => x.readStateMs))
  /** @type {[string, string, string, boolean | null][]} */
  const goals = [
    [
      'Round trips per jar deploy, connect included: first deploy outside its upload; one-class change in all',
      `first ${r1(first?.deployRoundTrips.outsideUpload ?? null)}, change ${r1(change?.deployRoundTrips.raw ?? null)}`,
      '≤ 15',
      first && change ? Math.max(first.deployRoundTrips.outsideUpload ?? Infinity, change.deployRoundTrips.raw ?? Infinity) <= 15 : null
    ],
    [
      'Healthy → nginx reloaded ("Switch nginx" step), round trips',
      sw.map(x => `${x.kind} ${r1(x.roundTrips)}`).join(', ') || '—',
      '≤ 2',
      sw.length ? sw.every(x => x.roundTrips !== null && x.roundTrips <= 2) : null
    ],
    [
      'Bytes sent for a one-class change of the fat jar',
      change?.bytesUpShare == null ? '—' : `${(change.bytesUpShare * 100).toFixed(1)} %`,
      '≤ 2 %',
      change?.bytesUpShare == null ? null : change.bytesUpShare <= 0.02
    ],
    [
      'Full upload (first deploy, WAN): action vs OpenSSH scp',
      `${s(first?.uploadMs.wan ?? null)} vs ${s(scpFirst?.uploadMs.wan ?? null)}`,
      '≤ scp',
      first?.uploadMs.wan == null || scpFirst?.uploadMs.wan == null ? null : first.uploadMs.wan <= scpFirst.uploadMs.wan
    ],
    ['"Read server state": idle vs with TIME_WAIT sockets', `${s(readState('idle'))} vs ${s(readState('timewait'))}`, '—', null]
  ]
  return mdTable(
    ['Goal', 'Measured', 'Target', 'Met'],
    goals.map(([g, m, t, ok]) => [g, m, t, ok === null ? 'n/a' : ok ? 'yes' : 'NO'])
  )
}
