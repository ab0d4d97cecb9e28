// The job summary as a person sees it: real deploys against the local lab (a success, blue → green, and a
// failure whose new version never becomes healthy), each summary rendered as GitHub-flavoured Markdown and
// photographed by headless Chromium into docs/. Run with `npm run screenshots` (as root, like the lab).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import MarkdownIt from 'markdown-it'
import { chromium } from 'playwright-core'
import { startLab } from '../lab/lab.mjs'
import { labInputs, runAction } from '../lab/run-action.mjs'

const docs = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs')

/** Chromium from the system (Debian's `chromium` package), or CHROMIUM_PATH; the script downloads no browser. */
function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim()
    } catch {
      // not this one
    }
  }
  throw new Error('No Chromium found: install it (apt-get install chromium fonts-noto-color-emoji) or set CHROMIUM_PATH.')
}

// Styles in the spirit of GitHub's job summary card; written for this page, not taken from GitHub.
const STYLE = `
  body { margin: 0; padding: 24px; background: #f6f8fa; font: 14px/1.5 -apple-system, 'Segoe UI', 'Noto Sans', Helvetica, Arial, sans-serif; color: #1f2328; }
  .card { background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; max-width: 1180px; }
  .card > header { padding: 12px 16px; border-bottom: 1px solid #d1d9e0; font-weight: 600; }
  .markdown { padding: 8px 24px 16px; }
  h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 16px 0; }
  h3 { font-size: 1.25em; margin: 20px 0 12px; }
  table { border-collapse: collapse; margin: 0 0 16px; display: block; overflow: auto; }
  th, td { border: 1px solid #d1d9e0; padding: 6px 13px; text-align: left; vertical-align: top; }
  th { font-weight: 600; background: #f6f8fa; }
  tbody tr:nth-child(2n) { background: #f6f8fa; }
  pre { background: #f6f8fa; border-radius: 6px; padding: 16px; overflow: auto; font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
  code { font: 85% ui-monospace, SFMono-Regular, Menlo, monospace; background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
  details { margin: 0 0 16px; }
  summary { cursor: pointer; margin-bottom: 8px; }
`

const gfm = new MarkdownIt({ html: true, linkify: true })

function page(title, summary) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head>
<body><div class="card"><header>${title}</header><div class="markdown">${gfm.render(summary)}</div></div></body></html>`
}

async function deploy(lab, version, extra = {}) {
  const run = await runAction({
    ...labInputs(lab, 'shop'),
    jar: await lab.sampleJar(version),
    'drain-timeout': '5s',
    'stop-timeout': '5s',
    ...extra
  })
  console.log(`${version}: ${run.outputs.result}`)
  return run
}

async function shoot(browser, html, file, open = []) {
  const dir = mkdtempSync(join(tmpdir(), 'summary-'))
  try {
    writeFileSync(join(dir, 'summary.html'), html)
    const tab = await browser.newPage({ viewport: { width: 1240, height: 600 } })
    await tab.goto(pathToFileURL(join(dir, 'summary.html')).href)
    // Opened as a person would, by clicking the summary line.
    for (const title of open) await tab.locator('summary', { hasText: title }).click()
    await tab.locator('.card').screenshot({ path: join(docs, file) })
    await tab.close()
    console.log(`wrote docs/${file}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const browser = await chromium.launch({ executablePath: chromiumPath() })
const lab = await startLab({ name: 'screenshots' })
let failed = false
try {
  mkdirSync(docs, { recursive: true })
  if ((await deploy(lab, 'v1')).outputs.result !== 'deployed') throw new Error('the first deploy failed')
  const success = await deploy(lab, 'v2', { env: 'BOOT_DELAY_MS=1500' })
  if (success.outputs.result !== 'deployed') throw new Error(`the second deploy failed:\n${success.stdout}`)
  const failure = await deploy(lab, 'v3', {
    env: 'HEALTHY=false\nLOG_LINES=WARN  Pool: connection to db.internal:5432 refused\\nWARN  Health: db is DOWN',
    'health-timeout': '3s'
  })
  if (failure.outputs.result !== 'failed') throw new Error('the failing deploy did not fail')
  await shoot(browser, page('deploy summary', success.summary), 'summary-success.png')
  await shoot(browser, page('deploy summary', failure.summary), 'summary-failure.png', ['Log of the new version'])
} catch (error) {
  failed = true
  console.error(error.message)
} finally {
  await lab.stop()
  await browser.close()
}
process.exit(failed || !existsSync(join(docs, 'summary-failure.png')) ? 1 : 0)
