// Real deploys against the local labs, printing each job summary as text. Run with `npm run demo`.
// One server (sshd + nginx + JRE on loopback): v1 onto an empty server, then v2 blue → green.
// Three app hosts behind nginx on its own host (network namespaces): blue/green, a canary under load, rolling.
import { startLoad } from '../bench/load.mjs'
import { startFleetLab, startLab } from '../lab/lab.mjs'
import { labInputs, runAction } from '../lab/run-action.mjs'

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" }

function unescape(text) {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, entity => ENTITIES[entity])
}

function tableToText(html) {
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(([, row]) =>
    [...row.matchAll(/<t[hd]>([\s\S]*?)<\/t[hd]>/g)].map(([, cell]) => unescape(cell))
  )
  const widths = rows[0].map((_, column) => Math.max(...rows.map(row => [...(row[column] ?? '')].length)))
  const line = row =>
    '  ' +
    row
      .map((cell, column) => cell + ' '.repeat(widths[column] - [...cell].length))
      .join('  ')
      .trimEnd()
  return [line(rows[0]), '  ' + widths.map(w => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n')
}

/** The job summary is HTML for GitHub; this turns it into something a terminal shows well. */
export function summaryToText(html) {
  return html
    .replace(/<table>[\s\S]*?<\/table>/g, tableToText)
    .replace(/<h2>(.*?)<\/h2>/g, (_, title) => `\n${unescape(title)}\n${'='.repeat([...unescape(title)].length)}`)
    .replace(/<h3>(.*?)<\/h3>/g, (_, title) => `\n${unescape(title)}`)
    .replace(/<li>(.*?)<\/li>/g, (_, item) => `  - ${unescape(item)}\n`)
    .replace(/<summary>(.*?)<\/summary>/g, (_, title) => `\n${unescape(title.replace(/<\/?strong>/g, ''))}`)
    .replace(/<pre>([\s\S]*?)<\/pre>/g, (_, text) => unescape(text).replace(/^/gm, '  | '))
    .replace(/<\/?(p|ul|details)>/g, '')
    .replace(/\n{3,}/g, '\n\n')
}

function printRun(run) {
  console.log(summaryToText(run.summary))
  const outputs = Object.entries(run.outputs)
    .map(([name, value]) => `  ${name}=${value}`)
    .join('\n')
  console.log(`\nStep outputs:\n${outputs}`)
}

async function deploy(lab, version, jar) {
  console.log(`\n### Deploying ${version} ...`)
  const run = await runAction({
    ...labInputs(lab, 'demo'),
    jar,
    env: 'BOOT_DELAY_MS=2000',
    'drain-timeout': '5s',
    'stop-timeout': '5s'
  })
  printRun(run)
  const served = await lab.httpGet(`${lab.nginxUrl}/version`)
  console.log(`\nnginx now serves: ${served.body.trim()} (HTTP ${served.status})`)
  if (run.code !== 0) throw new Error(`deploy of ${version} failed:\n${run.stdout}`)
}

/** A deploy across the fleet lab's hosts, with steady load through its nginx (so a canary has traffic to judge). */
async function deployAcross(lab, version, strategy, extra = {}) {
  console.log(`\n### Deploying ${version} to ${lab.apps.length} hosts (${strategy}) ...`)
  // Before the first deploy nothing serves, so load would only count refusals.
  const load =
    version === 'v1' ? null : startLoad(lab.nginxUrl, { fastClients: 2, slowClients: 0, pauseBetweenMs: 20, serverName: lab.serverName })
  const run = await runAction({
    host: lab.apps.map(host => host.address).join(','),
    'nginx-host': lab.nginx.address,
    username: lab.username,
    'private-key': lab.privateKey,
    'known-hosts': lab.knownHosts,
    'app-name': 'demo',
    'remote-dir': `${lab.remoteRoot}/demo`,
    'nginx-include': lab.include,
    'nginx-upstream': lab.upstream,
    'nginx-test-command': lab.nginxTestCommand,
    'nginx-reload-command': lab.nginxReloadCommand,
    jar: await lab.sampleJar(version),
    strategy,
    env: 'BOOT_DELAY_MS=1000',
    'drain-timeout': '5s',
    ...extra
  })
  const samples = await load?.stop()
  printRun(run)
  if (samples)
    console.log(`\nLoad through nginx meanwhile: ${samples.length} requests, ${samples.filter(s => s.status !== 200).length} failed`)
  if (run.code !== 0) throw new Error(`deploy of ${version} across hosts failed:\n${run.stdout}`)
}

async function oneServer() {
  const lab = await startLab({ name: 'demo' })
  try {
    console.log(`Lab: sshd on 127.0.0.1:${lab.sshPort}, nginx on ${lab.nginxUrl}, slots ${lab.ports.join(' and ')}`)
    await deploy(lab, 'v1', await lab.sampleJar('v1'))
    await deploy(lab, 'v2', await lab.sampleJar('v2'))
  } finally {
    await lab.stop()
  }
}

async function severalHosts() {
  const lab = await startFleetLab({ name: 'demo-fleet', appHosts: 3 })
  try {
    console.log(`\nFleet lab: nginx on ${lab.nginx.address}, app hosts ${lab.apps.map(host => host.address).join(', ')}`)
    await deployAcross(lab, 'v1', 'blue-green')
    await deployAcross(lab, 'v2', 'canary', { 'canary-steps': '25,50,100', 'canary-interval': '3s', 'canary-latency-allowance': '500ms' })
    await deployAcross(lab, 'v3', 'rolling')
  } finally {
    await lab.stop()
  }
}

let failed = false
try {
  await oneServer()
  await severalHosts()
} catch (error) {
  failed = true
  console.error(error.message)
}
process.exit(failed ? 1 : 0)
