// A quick look at the action's round trips: small-jar deploys into one lab, on loopback and through its
// WAN link, with each run's step times. node bench/wan-probe.mjs (RTT=200 for another round trip).
import { startLab } from '../lab/lab.mjs'
import { labInputs, runAction } from '../lab/run-action.mjs'

const rtt = Number(process.env.RTT ?? 90)
const lab = await startLab({ name: 'wanprobe', wan: { rttMs: rtt, mbit: 100 } })
try {
  const jars = [await lab.sampleJar('va'), await lab.sampleJar('vb')]
  const steps = (/** @type {{ summary: string }} */ run) =>
    [...run.summary.matchAll(/<tr><td>([^<]+)<\/td><td>[^<]*<\/td><td>([^<]+)<\/td>/g)].map(m => `${m[1]}=${m[2]}`).join(' | ')
  let deploys = 0
  const deploy = async (/** @type {boolean} */ wan) => {
    const inputs = { ...labInputs(lab, 'wanprobe'), jar: jars[deploys++ % 2], env: 'BOOT_DELAY_MS=300' }
    if (!wan) inputs.port = String(lab.sshPort)
    const begin = performance.now()
    const run = await runAction(inputs)
    const ms = performance.now() - begin
    console.log(`${wan ? 'WAN' : 'loopback'} ${run.outputs.result} ${ms.toFixed(0)} ms: ${steps(run)}`)
    return ms
  }
  await deploy(false)
  const loopback = Math.min(await deploy(false), await deploy(false))
  const wan = Math.min(await deploy(true), await deploy(true))
  console.log(`beyond loopback: ${(wan - loopback).toFixed(0)} ms = ${((wan - loopback) / rtt).toFixed(1)} round trips of ${rtt} ms`)
} finally {
  await lab.stop()
}
