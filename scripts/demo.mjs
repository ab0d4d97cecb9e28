// Two real deploys against the local lab (sshd + nginx + JRE on loopback): v1 onto an empty server,
// then v2 blue → green, printing each job summary as text. Run with `npm run demo`.
import { startLab } from '../lab/lab.mjs'
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

async function deploy(lab, version, jar) {
  console.log(`\n### Deploying ${version} ...`)
  const run = await runAction({
    ...labInputs(lab, 'demo'),
    jar,
    env: 'BOOT_DELAY_MS=2000',
    'drain-timeout': '5s',
    'stop-timeout': '5s'
  })
  console.log(summaryToText(run.summary))
  const outputs = Object.entries(run.outputs)
    .map(([name, value]) => `  ${name}=${value}`)
    .join('\n')
  console.log(`\nStep outputs:\n${outputs}`)
  const served = await lab.httpGet(`${lab.nginxUrl}/version`)
  console.log(`\nnginx now serves: ${served.body.trim()} (HTTP ${served.status})`)
  if (run.code !== 0) throw new Error(`deploy of ${version} failed:\n${run.stdout}`)
}

const lab = await startLab({ name: 'demo' })
let failed = false
try {
  console.log(`Lab: sshd on 127.0.0.1:${lab.sshPort}, nginx on ${lab.nginxUrl}, slots ${lab.ports.join(' and ')}`)
  await deploy(lab, 'v1', await lab.sampleJar('v1'))
  await deploy(lab, 'v2', await lab.sampleJar('v2'))
} catch (error) {
  failed = true
  console.error(error.message)
} finally {
  await lab.stop()
}
process.exit(failed ? 1 : 0)
