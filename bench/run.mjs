// Benchmark: deploys under steady load through nginx on the local lab, for each deploy method, plus
// the action's start-up time, bundle size and upload throughput. Prints Markdown to stdout (progress
// goes to stderr) and writes bench/results.json.
//
//   node bench/run.mjs                      3 deploys per method (BENCH_RUNS=10 for the 10-deploy target)
//   BENCH_SCENARIOS=action-jar node ...     only some methods (ids: stop-start, bluegreen-script, action-jar, action-image)
//   BENCH_ACTION_METRICS=0 node ...         skip start-up / upload measurements
//   BENCH_WAN=1 node bench/run.mjs          the WAN mode instead (bench/wan.mjs: loopback vs a WAN link, 60 MB fat jar)
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleSize, startupTime, uploadThroughput } from './action-metrics.mjs'
import { cleanUp, labs, log, servedVersion, stopOnSignals, withLab } from './harness.mjs'
import { analyse, LOAD_DEFAULTS, startLoad } from './load.mjs'
import { aggregate, machine, scenarioTable, seconds, targetTable, whole } from './report.mjs'
import { APP_ENV, SCENARIOS } from './scenarios.mjs'
import { median, sleep, tcpSocketCount, watchForeignLabs } from './util.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const RUNS = positiveInt(process.env.BENCH_RUNS, 3)
const STARTUP_RUNS = 7
const UPLOAD_ROUNDS = 3
const WARMUP_MS = 1000
const TAIL_MS = 2000
const BOOT_MS = Number(APP_ENV.BOOT_DELAY_MS)
const selected = process.env.BENCH_SCENARIOS ? process.env.BENCH_SCENARIOS.split(',').map(x => x.trim()) : null
const withActionMetrics = process.env.BENCH_ACTION_METRICS !== '0'

/** @param {string | undefined} text @param {number} fallback */
function positiveInt(text, fallback) {
  const v = Number(text)
  return Number.isInteger(v) && v > 0 ? v : fallback
}

stopOnSignals()

/** @param {import('./scenarios.mjs').Scenario} sc */
function runScenario(sc) {
  return withLab(`bench-${sc.id}`, sc.labOptions, async lab => {
    /** @type {Record<string, string>} */
    const jars = { v1: await lab.sampleJar('v1'), v2: await lab.sampleJar('v2') }
    await sc.prepare(lab, jars)
    const first = await sc.deploy(lab, jars.v1, 'v1')
    const serving = await servedVersion(lab)
    if (!first.ok || serving !== 'v1')
      throw new Error(`${sc.id}: the first (unmeasured) deploy of v1 failed; nginx serves ${serving}\n${first.log.slice(-3000)}`)
    const runs = []
    for (let i = 1; i <= RUNS; i++) {
      const version = i % 2 === 1 ? 'v2' : 'v1'
      // Mostly TIME_WAIT from earlier per-request connections; the action reads these tables over SSH.
      const tcpSockets = tcpSocketCount()
      const load = startLoad(lab.nginxUrl)
      await sleep(WARMUP_MS)
      const deployStart = performance.now()
      const result = await sc.deploy(lab, jars[version], version)
      const deployEnd = performance.now()
      await sleep(TAIL_MS)
      const metrics = analyse(await load.stop(), { deployStart, deployEnd, newVersion: version })
      const served = await servedVersion(lab)
      const ok = result.ok && served === version
      runs.push({ run: i, version, ok, served, tcpSockets, metrics, extra: result.extra, ...(ok ? {} : { log: result.log.slice(-4000) }) })
      log(
        `  ${sc.id} #${i} → ${version}: ${ok ? 'ok' : `DEPLOY FAILED (nginx serves ${served})`}, ` +
          `deploy ${seconds(metrics.deployMs)}, switch ${seconds(metrics.switchMs)}, ` +
          `failed fast ${metrics.failedFast} / slow ${metrics.failedSlow}, downtime ${seconds(metrics.downtimeMs)}, ${tcpSockets} TCP ` +
          `sockets before` +
          (Object.keys(metrics.failureReasons).length ? ` ${JSON.stringify(metrics.failureReasons)}` : '')
      )
    }
    return runs
  })
}

function actionMetrics() {
  return withLab('bench-action', {}, async lab => {
    log('  start-up time ...')
    const startup = await startupTime(lab, await lab.sampleJar('v1'), STARTUP_RUNS)
    log(`  start-up: median ${startup.medianMs} ms of ${JSON.stringify(startup.samplesMs)}; bare node ${startup.bareNodeMedianMs} ms`)
    log('  upload throughput (64 MiB jar, scp vs action) ...')
    const upload = await uploadThroughput(lab, UPLOAD_ROUNDS)
    log(`  upload: scp ${upload.scpMiBps?.toFixed(1)} MiB/s, action ${upload.actionMiBps?.toFixed(1)} MiB/s`)
    return { startup, upload }
  })
}

/**
 * @param {ReturnType<typeof aggregate> | undefined} action
 * @param {Awaited<ReturnType<typeof actionMetrics>> | null} m
 */
function targets(action, m) {
  const rows = []
  if (action) {
    const failed = action.failedFastTotal + action.failedSlowTotal
    rows.push({
      label: `Failed requests over ${action.runs} deploys (fast + slow)`,
      value: `${action.failedFastTotal} + ${action.failedSlowTotal}`,
      target: `0 over 10 deploys${action.runs < 10 ? ' (BENCH_RUNS=10)' : ''}`,
      pass: action.deploysFailed === 0 && failed === 0 && action.runs >= 10 ? true : failed > 0 || action.deploysFailed > 0 ? false : null
    })
    const over = action.switchMs === null ? null : action.switchMs - BOOT_MS
    rows.push({
      label: 'Time to switch − app boot (3 s), first new-version answer',
      value: over === null ? '—' : `${seconds(over)}`,
      target: '≤ 1 s',
      pass: over === null ? false : over <= 1000
    })
    const own = action.timeToSwitchOutputMs === null ? null : action.timeToSwitchOutputMs - BOOT_MS
    rows.push({
      label: 'Same, from the time-to-switch-ms output',
      value: own === null ? '—' : seconds(own),
      target: '≤ 1 s',
      pass: own === null ? null : own <= 1000
    })
    const bootDrain = (action.healthCheckMs ?? 0) + (action.drainMs ?? 0)
    const share = action.deployMs ? bootDrain / action.deployMs : null
    rows.push({
      label: 'Share of deploy time in health check (boot) + drain',
      value:
        share === null
          ? '—'
          : `${Math.round(share * 100)} % (${seconds(bootDrain)} of ${seconds(action.deployMs)}; rest ` +
            `${seconds((action.deployMs ?? 0) - bootDrain)})`,
      target: 'dominant (> 50 %)',
      pass: share === null ? null : share > 0.5
    })
  }
  if (m) {
    const st = m.startup.medianMs
    rows.push({
      label: 'Start-up: process start → first SSH byte',
      value: st === null ? '—' : `${st} ms (bare node: ${m.startup.bareNodeMedianMs} ms)`,
      target: '< 300 ms',
      pass: st === null ? false : st < 300
    })
    const u = m.upload
    rows.push({
      label: `Upload ${u.fileMiB?.toFixed(1)} MiB: action vs scp`,
      value:
        `${u.actionMiBps?.toFixed(1)} vs ${u.scpMiBps?.toFixed(1)} MiB/s = ` +
        `${u.ratio === null ? '—' : `${(u.ratio * 100).toFixed(1)} %`}`,
      target: '≥ 80 % of scp',
      pass: u.ratio === null ? false : u.ratio >= 0.8
    })
  }
  return rows
}

async function main() {
  const began = Date.now()
  const scenarios = SCENARIOS.filter(sc => !selected || selected.includes(sc.id))
  const bundle = bundleSize()
  const watcher = watchForeignLabs(() => [...labs].map(lab => lab.dir))
  log(`bench: ${scenarios.length} deploy method(s) × ${RUNS} measured deploys; dist/index.js sha256 ${bundle.indexJsSha256.slice(0, 12)}`)
  const results = []
  for (const sc of scenarios) {
    log(`\n▶ ${sc.title}`)
    const runs = await runScenario(sc)
    results.push({ id: sc.id, title: sc.title, agg: aggregate(runs), runs })
  }
  let m = null
  if (withActionMetrics) {
    log('\n▶ action start-up and upload')
    m = await actionMetrics()
  }
  const mc = machine()
  const action = results.find(r => r.id === 'action-jar')?.agg
  const targetRows = targets(action, m)
  const elapsedS = Math.round((Date.now() - began) / 1000)
  const foreign = watcher.stop()
  const distChanged = bundleSize().indexJsSha256 !== bundle.indexJsSha256
  const warnings = [
    ...(foreign.samples
      ? [
          `Other labs or test runs were active during ${foreign.samples * 2} s of this benchmark (${foreign.labs.join(', ')}): they ` +
            `compete for the CPUs, so the timings are skewed.`
        ]
      : []),
    ...(distChanged ? ['dist/index.js changed while the benchmark ran; the runs may not all have used the same bundle.'] : [])
  ]

  const out = [
    `## Deploys under load (median of ${RUNS} per method)`,
    '',
    `Machine: ${mc.nproc} CPUs (${mc.cpu}), ${mc.memoryGiB} GiB RAM, ${mc.kernel}${mc.distro ? ` (${mc.distro})` : ''}, node ${mc.node}.`,
    '',
    scenarioTable(results),
    '',
    `Load through nginx: ${LOAD_DEFAULTS.fastClients} clients on \`${LOAD_DEFAULTS.fastPath}\` back to back and ` +
      `${LOAD_DEFAULTS.slowClients} on \`/slow?ms=${LOAD_DEFAULTS.slowMs}\`,`,
    `keep-alive off (one connection per request); a client pauses ${LOAD_DEFAULTS.pauseAfterFailureMs} ms after a failed request. ` +
      `Failed = not HTTP 200 or a`,
    `connection error/timeout (fast ${LOAD_DEFAULTS.fastTimeoutMs / 1000} s, slow ${LOAD_DEFAULTS.slowTimeoutMs / 1000} s). App: ` +
      `BOOT_DELAY_MS=${APP_ENV.BOOT_DELAY_MS}, GRACEFUL=${APP_ENV.GRACEFUL}. Each deploy alternates v1/v2.`,
    'Downtime window: first to last failed fast request. Time to switch (all methods alike): deploy start → first fast request',
    'answered by the new version (X-App-Version). Total deploy time: wall time of the deploy command (scp + ssh script, or the action).',
    `Load runs ${WARMUP_MS / 1000} s before each deploy and ${TAIL_MS / 1000} s after it, then waits for in-flight slow requests.`,
    ...(action
      ? [
          '',
          `Action steps (median): read server state ${seconds(action.readStateMs)}, health check ${seconds(action.healthCheckMs)}, ` +
            `drain ${seconds(action.drainMs)}, stop old ${seconds(action.stopOldMs)};`,
          `time-to-switch-ms output ${seconds(action.timeToSwitchOutputMs)}. Host TCP sockets at deploy start (median): ` +
            `${whole(median(results.find(r => r.id === 'action-jar')?.runs.map(x => x.tcpSockets) ?? []))}.`
        ]
      : []),
    ...(targetRows.length ? ['', '## The action against its targets', '', targetTable(targetRows)] : []),
    '',
    `Bundle: dist/index.js ${(bundle.indexJsBytes / 1048576).toFixed(2)} MiB (${bundle.indexJsBytes} bytes); dist/ ` +
      `${(bundle.distBytes / 1048576).toFixed(2)} MiB in ${bundle.distFiles.length} files.`,
    ...(m
      ? [
          `Start-up samples (ms): ${m.startup.samplesMs.join(', ')}.`,
          `Upload: scp is timed as a whole command, so it includes its SSH login (\`ssh true\`: ${whole(m.upload.sshLoginMedianMs)} ` +
            `ms); the action's figure is its "Upload release"`,
          `note: the transfer, hashed on the server as it is written (a separate sha256sum of the file would take ` +
            `${whole(m.upload.remoteSha256MedianMs)} ms). Without the login and that hash: scp ≈ ${m.upload.scpTransferMiBps?.toFixed(0)} MiB/s,`,
          `action ≈ ${m.upload.actionTransferMiBps?.toFixed(0)} MiB/s.`
        ]
      : []),
    '',
    `Finished in ${Math.floor(elapsedS / 60)} min ${elapsedS % 60} s.`,
    ...warnings.map(w => `\n**Warning:** ${w}`)
  ]
  console.log(out.join('\n'))

  const problems = [
    ...results.flatMap(r => r.runs.filter(x => !x.ok).map(x => `${r.id} run ${x.run} failed`)),
    ...(m?.startup.problems ?? []),
    ...(m?.upload.problems ?? [])
  ]
  if (problems.length) console.log(`\nProblems:\n${problems.map(p => `- ${p.split('\n')[0]}`).join('\n')}`)
  const json = {
    machine: mc,
    warnings,
    startedAt: new Date(began).toISOString(),
    elapsedS,
    runsPerMethod: RUNS,
    load: LOAD_DEFAULTS,
    appEnv: APP_ENV,
    bundle,
    scenarios: results,
    action: m,
    targets: targetRows,
    problems
  }
  fs.writeFileSync(path.join(here, 'results.json'), JSON.stringify(json, null, 2) + '\n')
  log(`\nwrote ${path.relative(process.cwd(), path.join(here, 'results.json'))}`)
  return problems.length === 0
}

let ok = false
try {
  ok = process.env.BENCH_WAN === '1' ? await (await import('./wan.mjs')).wanBench() : await main()
} catch (error) {
  log(`bench failed: ${/** @type {Error} */ (error).stack ?? error}`)
} finally {
  await cleanUp()
}
process.exit(ok ? 0 : 1)
