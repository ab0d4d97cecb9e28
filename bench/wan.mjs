// The benchmark's WAN mode (BENCH_WAN=1 npm run bench, or npm run bench:wan): every deploy method once
// straight to the lab's sshd on loopback and once through the lab's WAN proxy (lab/wan-proxy.mjs: latency
// and a rate limit, loopback only), with a Spring-Boot-shaped 60 MB fat jar: the first deploy, then a
// one-class change. The extra time the WAN costs, divided by its round trip time, is the number of round
// trips a method waits for. Also: the action's "Read server state" with 50,000 TIME_WAIT sockets on the
// machine against without. Prints Markdown to stdout, progress to stderr, writes bench/wan-results.json.
//
//   BENCH_RTT_MS=90 BENCH_MBIT=100      the link (defaults)
//   BENCH_WAN_RUNS=3                    loopback + WAN sequences (first deploy, change) per method
//   BENCH_WAN_METHODS=action-jar,...    only some methods (action-jar, scp-ssh-script, bluegreen-script, stop-start)
//   BENCH_TIME_WAIT=50000               TIME_WAIT sockets for the server-state measurement (0: skip it)
//   BENCH_TIME_WAIT_RUNS=5              deploys idle and with TIME_WAIT sockets
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildFatJar } from '../lab/fat-jar.mjs'
import { runAction } from '../lab/run-action.mjs'
import { repoRoot } from '../lab/sample-app.mjs'
import { labs, log, onCleanUp, servedVersion, withLab } from './harness.mjs'
import { analyse, startLoad } from './load.mjs'
import { machine } from './report.mjs'
import { actionJarInputs, APP_ENV } from './scenarios.mjs'
import { clearTimeWait, fillTimeWait, timeWaitCount } from './time-wait.mjs'
import { sleep, stepMs, summarySteps, watchForeignLabs } from './util.mjs'
import { onLink, WAN_METHODS } from './wan-methods.mjs'
import { actionSteps, aggregateWan, goalTable, stepTable, timeWaitTable, wanTable } from './wan-report.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const num = (/** @type {string} */ name, /** @type {number} */ fallback) => {
  const v = Number(process.env[name])
  return process.env[name] !== undefined && Number.isFinite(v) && v >= 0 ? v : fallback
}
const RTT_MS = num('BENCH_RTT_MS', 90)
const MBIT = num('BENCH_MBIT', 100)
const RUNS = Math.max(1, Math.round(num('BENCH_WAN_RUNS', 3)))
const TIME_WAIT = Math.round(num('BENCH_TIME_WAIT', 50_000))
const TIME_WAIT_RUNS = Math.round(num('BENCH_TIME_WAIT_RUNS', 5))
const FAT_JAR_MB = num('BENCH_FAT_JAR_MB', 60)
const selected = process.env.BENCH_WAN_METHODS?.split(',').map(x => x.trim())
const WARMUP_MS = 1000
const TAIL_MS = 2000
// Light load, so it takes little CPU from the deploy it watches; slow requests of 0.3 s, because a drain
// waits for them and would otherwise add up to their length of noise to the loopback/WAN difference.
const LOAD = { fastClients: 2, slowClients: 2, slowMs: 300, pauseBetweenMs: 10, pauseAfterFailureMs: 20 }

/** @typedef {import('./wan-report.mjs').WanRecord} WanRecord */

/**
 * One lab, one link: the first deploy (v1), then the one-class change (v2), each under load.
 * @param {import('./wan-methods.mjs').WanMethod} method @param {'loopback' | 'wan'} link @param {number} run
 * @param {Record<string, string>} jars @returns {Promise<WanRecord[]>}
 */
function sequence(method, link, run, jars) {
  return withLab(`wan-${method.id}`, { wan: { rttMs: RTT_MS, mbit: MBIT } }, async lab => {
    const view = onLink(lab, link)
    const wan = /** @type {NonNullable<typeof lab.wan>} */ (lab.wan)
    await method.prepare(view)
    /** @type {WanRecord[]} */
    const records = []
    for (const [kind, version] of /** @type {const} */ ([
      ['first', 'v1'],
      ['change', 'v2']
    ])) {
      const load = startLoad(lab.nginxUrl, LOAD)
      await sleep(WARMUP_MS)
      const before = await wan.stats()
      const deployStart = performance.now()
      const result = await method.deploy(view, jars[version], version)
      const deployEnd = performance.now()
      const after = await wan.stats()
      await sleep(TAIL_MS)
      const metrics = analyse(await load.stop(), { deployStart, deployEnd, newVersion: version })
      const served = await servedVersion(lab)
      const ok = result.ok && served === version
      const delta = (/** @type {'bytesUp' | 'bytesDown' | 'connections'} */ k) => (link === 'wan' ? after[k] - before[k] : null)
      records.push({
        method: method.id,
        title: method.title,
        link,
        run,
        kind,
        version,
        ok,
        served,
        metrics,
        bytesUp: delta('bytesUp'),
        bytesDown: delta('bytesDown'),
        connections: delta('connections'),
        extra: result.extra,
        ...(ok ? {} : { log: result.log.slice(-4000) })
      })
      const mib = (/** @type {number | null} */ b) => (b === null ? '' : `, sent ${(b / 1048576).toFixed(2)} MiB`)
      log(
        `  ${method.id} ${link} #${run} ${kind}: ${ok ? 'ok' : `DEPLOY FAILED (nginx serves ${served})`}, deploy ` +
          `${metrics.deployMs} ms, switch ${metrics.switchMs} ms${mib(delta('bytesUp'))}, failed ${metrics.failedFast} + ${metrics.failedSlow}`
      )
      if (!ok) break
    }
    return records
  })
}

/** The action's "Read server state" on loopback, alternately on an idle machine and with TIME_WAIT sockets. */
function readStateUnderTimeWait() {
  return withLab('wan-timewait', {}, async lab => {
    const jars = { v1: await lab.sampleJar('v1'), v2: await lab.sampleJar('v2') }
    const deploy = async (/** @type {'v1' | 'v2'} */ v) => {
      const run = await runAction(actionJarInputs(lab, 'tw', jars[v]))
      return {
        ok: run.code === 0 && run.outputs.result === 'deployed',
        readStateMs: stepMs(summarySteps(run.summary), 'Read server state')
      }
    }
    if (!(await deploy('v1')).ok) throw new Error('time-wait: the first (unmeasured) deploy failed')
    const samples = []
    // Other work on the machine leaves TIME_WAIT sockets too, so ours come on top of theirs, and the idle
    // rounds (ours removed) in between show what theirs cost.
    for (let i = 0; i < TIME_WAIT_RUNS * 2; i++) {
      const state = i % 2 === 0 ? 'idle' : 'timewait'
      if (state === 'idle') await clearTimeWait()
      else await fillTimeWait(TIME_WAIT)
      const timeWait = timeWaitCount()
      const r = await deploy(i % 2 === 0 ? 'v2' : 'v1')
      samples.push({ state: /** @type {'idle' | 'timewait'} */ (state), timeWait, ...r })
      log(
        `  ${state}: ${timeWait} TIME_WAIT sockets on the machine, Read server state ${r.readStateMs} ms${r.ok ? '' : ' (DEPLOY FAILED)'}`
      )
    }
    await clearTimeWait()
    return samples
  })
}

export async function wanBench() {
  const began = Date.now()
  const methods = WAN_METHODS.filter(m => !selected || selected.includes(m.id))
  const jarDir = path.join(repoRoot, '.lab', 'build', `bench-wan-${process.pid}`)
  const removeJars = async () => fs.rmSync(jarDir, { recursive: true, force: true })
  const forget = onCleanUp(async () => {
    await clearTimeWait()
    await removeJars()
  })
  const watcher = watchForeignLabs(() => [...labs].map(lab => lab.dir))
  try {
    log(`bench (WAN ${RTT_MS} ms RTT, ${MBIT} Mbit/s): building the ${FAT_JAR_MB} MB fat jars ...`)
    const jars = {
      v1: await buildFatJar('v1', jarDir, { sizeMb: FAT_JAR_MB }),
      v2: await buildFatJar('v2', jarDir, { sizeMb: FAT_JAR_MB })
    }
    const jarBytes = fs.statSync(jars.v1).size
    let timeWait = /** @type {Awaited<ReturnType<typeof readStateUnderTimeWait>>} */ ([])
    if (TIME_WAIT > 0 && TIME_WAIT_RUNS > 0) {
      // First, before the load of the deploys below leaves its own TIME_WAIT sockets behind.
      log(`\n▶ "Read server state" idle and with ${TIME_WAIT} more TIME_WAIT sockets`)
      timeWait = await readStateUnderTimeWait()
    }
    /** @type {WanRecord[]} */
    const records = []
    for (const method of methods) {
      log(`\n▶ ${method.title}`)
      for (let run = 1; run <= RUNS; run++) {
        // Alternating which link goes first spreads drift in the machine's load over both.
        const links = /** @type {('loopback' | 'wan')[]} */ (['loopback', 'wan'])
        for (const link of run % 2 ? links : links.reverse()) records.push(...(await sequence(method, link, run, jars)))
      }
    }
    const link = { rttMs: RTT_MS, mbit: MBIT, jarBytes }
    const rows = aggregateWan(records, methods, link)
    const steps = actionSteps(records, 'action-jar', link)
    const foreign = watcher.stop()
    const elapsedS = Math.round((Date.now() - began) / 1000)
    printTables({ rows, steps, timeWait, jarBytes, foreign, elapsedS })
    const problems = records.filter(r => !r.ok).map(r => `${r.method} ${r.link} run ${r.run} ${r.kind} failed`)
    problems.push(...timeWait.filter(x => !x.ok).map(x => `time-wait ${x.state} deploy failed`))
    if (problems.length) console.log(`\nProblems:\n${problems.map(p => `- ${p}`).join('\n')}`)
    const json = { machine: machine(), startedAt: new Date(began).toISOString(), elapsedS, link, runs: RUNS, load: LOAD, appEnv: APP_ENV }
    const file = path.join(here, 'wan-results.json')
    fs.writeFileSync(
      file,
      `${JSON.stringify({ ...json, foreign, summary: rows, actionSteps: steps, timeWait, records, problems }, null, 2)}\n`
    )
    log(`\nwrote ${path.relative(process.cwd(), file)}`)
    return problems.length === 0
  } finally {
    watcher.stop()
    await clearTimeWait()
    await removeJars()
    forget()
  }
}

/**
 * @param {{ rows: ReturnType<typeof aggregateWan>, steps: ReturnType<typeof actionSteps>, timeWait: { state: 'idle' | 'timewait', ok: boolean, timeWait: number | null, readStateMs: number | null }[],
 *   jarBytes: number, foreign: { samples: number, labs: string[] }, elapsedS: number }} r
 */
function printTables({ rows, steps, timeWait, jarBytes, foreign, elapsedS }) {
  const mc = machine()
  const out = [
    `## Deploys across a WAN: ${RTT_MS} ms round trip, ${MBIT} Mbit/s (median of ${RUNS} per link)`,
    '',
    `Machine: ${mc.nproc} CPUs (${mc.cpu}), ${mc.memoryGiB} GiB RAM, ${mc.kernel}, node ${mc.node}. Fat jar: ${(jarBytes / 1048576).toFixed(1)} MiB.`,
    '',
    wanTable(rows),
    '',
    'Round trips: (deploy time through the WAN − the same deploy on loopback) ÷ RTT, so they include the time the bytes',
    `sent need at ${MBIT} Mbit/s (in parentheses in the bytes column). Outside the upload: the same with each run's upload time`,
    'taken out on both links (the action\'s "Upload release" step; for the scripts the whole scp command, login included).',
    'Switch round trips: the same for the time to switch (deploy start → first request answered by the new version; the',
    'app boots in 3 s on both links, so boot cancels out). Bytes sent: client → server through the proxy, SSH included.',
    'TCP connections: opened through the proxy per deploy. Failed requests: fast + slow over all one-class changes on both links, under',
    `${LOAD.fastClients} clients on /version and ${LOAD.slowClients} on /slow?ms=${LOAD.slowMs}; before the first deploy nothing serves.`,
    ...(steps.length
      ? [
          '',
          "Where the action's round trips go: its summary steps, median, raw (Upload release includes the link's time for the bytes):",
          '',
          stepTable(steps)
        ]
      : []),
    ...(timeWait.length
      ? ['', '"Read server state" on loopback without load (deploys of the small sample jar):', '', timeWaitTable(timeWait, TIME_WAIT)]
      : []),
    '',
    '## The action against the WAN goals',
    '',
    goalTable(rows, steps, timeWait),
    '',
    `Finished in ${Math.floor(elapsedS / 60)} min ${elapsedS % 60} s.`,
    ...(foreign.samples
      ? [`\n**Warning:** other labs or test runs were active during ${foreign.samples * 2} s of this benchmark; the timings are skewed.`]
      : [])
  ]
  console.log(out.join('\n'))
}
