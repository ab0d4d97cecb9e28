// The action's own numbers: start-up time, bundle size, and upload throughput against OpenSSH scp.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { distEntry, labInputs, runAction } from '../lab/run-action.mjs'
import { compileSampleApp } from '../lab/sample-app.mjs'
import { scpTo } from './scenarios.mjs'
import { median, runCmd, shq, summarySteps } from './util.mjs'

const MiB = 1024 * 1024

export function bundleSize() {
  const dir = path.dirname(distEntry)
  const files = fs.readdirSync(dir).map(f => ({ name: f, bytes: fs.statSync(path.join(dir, f)).size }))
  const entry = fs.readFileSync(distEntry)
  return {
    indexJsBytes: entry.length,
    indexJsSha256: createHash('sha256').update(entry).digest('hex'),
    distBytes: files.reduce((a, f) => a + f.bytes, 0),
    distFiles: files
  }
}

/**
 * A TCP relay to the lab's sshd that notes when the first byte from a client arrives.
 * @param {number} targetPort
 */
async function startRelay(targetPort) {
  /** @type {number | null} */
  let firstByteAt = null
  const sockets = new Set()
  const server = net.createServer(client => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
      s.on('close', () => sockets.delete(s))
    }
    client.once('data', () => {
      firstByteAt ??= performance.now()
    })
    client.pipe(upstream).pipe(client)
  })
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve(undefined)))
  return {
    port: /** @type {net.AddressInfo} */ (server.address()).port,
    firstByteAt: () => firstByteAt,
    reset: () => {
      firstByteAt = null
    },
    close: () =>
      new Promise(resolve => {
        sockets.forEach(s => s.destroy())
        server.close(() => resolve(undefined))
      })
  }
}

/**
 * Process start to first SSH byte. The action is given a host fingerprint that does not match, so it
 * stops right after the key exchange and changes nothing on the server.
 * @param {import('../lab/lab.mjs').Lab} lab @param {string} jar @param {number} runs
 */
export async function startupTime(lab, jar, runs) {
  const relay = await startRelay(lab.sshPort)
  const wrongFingerprint = `SHA256:${createHash('sha256').update('not the lab host key').digest('base64').replace(/=+$/, '')}`
  const inputs = { ...labInputs(lab, 'startup'), port: String(relay.port), jar, 'host-fingerprint': wrongFingerprint }
  const samples = []
  /** @type {string[]} */
  const problems = []
  try {
    // The first run warms the page cache for node and the bundle; it is not counted.
    for (let i = 0; i <= runs; i++) {
      relay.reset()
      const spawnedAt = performance.now()
      const run = await runAction(inputs)
      const first = relay.firstByteAt()
      if (first === null) problems.push(`run ${i}: no byte reached the relay (exit ${run.code}): ${run.stdout.slice(-400)}`)
      else if (i > 0) samples.push(Math.round(first - spawnedAt))
      if (!/matches neither/.test(run.stdout)) problems.push(`run ${i}: expected a host key refusal, got: ${run.stdout.slice(-400)}`)
    }
  } finally {
    await relay.close()
  }
  const bareNode = []
  for (let i = 0; i < runs; i++) bareNode.push(Math.round((await runCmd(process.execPath, ['-e', '0'])).ms))
  return { medianMs: median(samples), samplesMs: samples, bareNodeMedianMs: median(bareNode), problems }
}

/**
 * A runnable jar of about 64 MiB: the sample app plus a stored (uncompressed) random payload, so
 * the action can deploy it for real and the upload is not compressible.
 * @param {string} dir @param {string} name
 */
async function bigJar(dir, name) {
  const work = path.join(dir, `${name}-payload`)
  fs.mkdirSync(work, { recursive: true })
  const payload = path.join(work, 'payload.bin')
  const fd = fs.openSync(payload, 'w')
  for (let i = 0; i < 64; i++) fs.writeSync(fd, randomBytes(MiB))
  fs.closeSync(fd)
  const jar = path.join(dir, `${name}.jar`)
  const r = await runCmd('jar', [
    '--create',
    '--no-compress',
    '--file',
    jar,
    '--main-class',
    'SampleApp',
    '-C',
    await compileSampleApp(),
    '.',
    '-C',
    work,
    'payload.bin'
  ])
  fs.rmSync(work, { recursive: true, force: true })
  if (r.code !== 0) throw new Error(`building ${jar} failed: ${r.stderr}`)
  return jar
}

/**
 * scp vs the action's "Upload release" step, same file size, a fresh random jar per round (so the
 * action never finds the release already there). Rounds alternate which one goes first.
 * @param {import('../lab/lab.mjs').Lab} lab @param {number} rounds
 */
export async function uploadThroughput(lab, rounds) {
  const dir = path.join(lab.dir, 'big-jars')
  fs.mkdirSync(dir, { recursive: true })
  const scpDir = `${lab.remoteRoot}/scp-target`
  await lab.sshExec(`mkdir -p ${shq(scpDir)}`)
  const rows = []
  /** @type {string[]} */
  const problems = []
  try {
    for (let i = 0; i < rounds; i++) {
      const jar = await bigJar(dir, `big-${i}`)
      const bytes = fs.statSync(jar).size
      const viaScp = async () => {
        const r = await scpTo(lab, jar, `${scpDir}/app.jar`)
        if (r.code !== 0) problems.push(`scp round ${i}: ${r.stderr}`)
        return r.ms / 1000
      }
      const viaAction = async () => {
        const run = await runAction({ ...labInputs(lab, 'upload'), jar, 'drain-timeout': '5s', 'stop-timeout': '5s' })
        const step = summarySteps(run.summary).find(s => s.name === 'Upload release')
        const noted = step?.note.match(/MiB in ([\d.]+) s/)
        if (run.code !== 0 || !noted)
          problems.push(`action round ${i}: exit ${run.code}, upload step: ${JSON.stringify(step)}\n${run.stdout.slice(-800)}`)
        return { noteSeconds: noted ? Number(noted[1]) : null, stepMs: step?.ms ?? null }
      }
      let scpS
      let action
      if (i % 2 === 0) {
        scpS = await viaScp()
        action = await viaAction()
      } else {
        action = await viaAction()
        scpS = await viaScp()
      }
      const verify = await lab.sshExec(
        `s=$(date +%s%N); sha256sum ${shq(`${scpDir}/app.jar`)} >/dev/null; echo $(( ($(date +%s%N) - s) / 1000000 ))`
      )
      const login = await runCmd('ssh', [...lab.sshArgs, '--', 'true'])
      rows.push({
        bytes,
        scpSeconds: scpS,
        actionNoteSeconds: action.noteSeconds,
        actionStepMs: action.stepMs,
        remoteSha256Ms: Number(verify.stdout.trim()) || null,
        sshLoginMs: Math.round(login.ms)
      })
      fs.rmSync(jar, { force: true })
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  const mibps = (/** @type {number} */ bytes, /** @type {number | null} */ s) => (s ? bytes / MiB / s : null)
  const scpMiBps = median(rows.map(r => mibps(r.bytes, r.scpSeconds)))
  const actionMiBps = median(rows.map(r => mibps(r.bytes, r.actionNoteSeconds)))
  // Rough split of both figures into pure transfer, for reading the ratio; the targets use the totals.
  const net = (/** @type {number | null} */ total, /** @type {number | null} */ overheadMs) =>
    total && overheadMs !== null ? total - overheadMs / 1000 : null
  return {
    fileMiB: rows.length ? rows[0].bytes / MiB : null,
    scpMiBps,
    actionMiBps,
    ratio: scpMiBps && actionMiBps ? actionMiBps / scpMiBps : null,
    remoteSha256MedianMs: median(rows.map(r => r.remoteSha256Ms)),
    sshLoginMedianMs: median(rows.map(r => r.sshLoginMs)),
    scpTransferMiBps: median(rows.map(r => mibps(r.bytes, net(r.scpSeconds, r.sshLoginMs)))),
    actionTransferMiBps: median(rows.map(r => mibps(r.bytes, net(r.actionNoteSeconds, r.remoteSha256Ms)))),
    rounds: rows,
    problems
  }
}
