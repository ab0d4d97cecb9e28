/** Pull-request previews: each PR runs as its own app instance (APP-pr-N) on ports from preview-ports. */
import * as github from '@actions/github'
import { DeployError } from '../errors.js'
import { PreviewGitHub } from './github.js'
import { acquireLock, haltOnLoss } from '../lock.js'
import type { OperationContext, OperationOutcome, PreviewOutcome, RunOperation } from '../context.js'
import { refuseFork, type PullRequestPayload } from './guard.js'
import { previewInstance, previewLock, previewsDir, previewUrl } from './instance.js'
import { allocatePorts, byAge, parseRegistry, readRegistry, writeRegistry, type PreviewEntry, type Registry } from './registry.js'
import { evictOldest, removeInstance } from './remove.js'
import { isListening, parseTcpTable } from '../server/tcp-table.js'
import { readTcpTables } from '../commands/tcp.js'
import { runChecked } from '../ssh/remote.js'
import type { Settings } from '../settings/types.js'

export { previewInstance }

export type { PreviewOutcome }

export async function runPreview(ctx: OperationContext, runInstance: RunOperation): Promise<OperationOutcome> {
  const number = prNumber(ctx.settings)
  refuseFork(github.context.payload as PullRequestPayload, number, ctx.settings.preview.allowForks)
  // The preview's lock before the registry's: preview-destroy takes them in the same order.
  const lock = await ctx.report.step('Take deploy lock', async () => acquireLock(ctx.remote, previewLock(ctx.settings, number), ctx.run))
  haltOnLoss(lock, ctx.report, ctx.remote)
  try {
    return await deployPreview(ctx, number, runInstance)
  } finally {
    await lock.release()
  }
}

async function deployPreview(ctx: OperationContext, number: number, runInstance: RunOperation): Promise<OperationOutcome> {
  const gh = new PreviewGitHub(ctx.settings.preview.githubToken, number, ctx.settings.appName)
  const entry = await ctx.report.step(`Allocate ports for #${number}`, async note => {
    const allocated = await withRegistry(ctx, registry => allocate(ctx, registry, number))
    note(`ports ${allocated.ports.join(' and ')}`)
    return allocated
  })
  const instance = previewInstance(ctx.settings, number, entry.ports)
  const url = previewUrl(ctx.settings, number)
  const deploymentId = await gh.startDeployment(github.context.payload.pull_request?.head?.sha ?? github.context.sha)
  try {
    // The post step must repair this preview instance, not the production app.
    const progress: typeof ctx.progress = p =>
      ctx.progress(p.phase === 'done' || p.phase === 'fleet' ? p : { ...p, preview: { number, ports: entry.ports } })
    const outcome = await runInstance({ ...ctx, settings: instance, progress })
    await gh.finishDeployment(deploymentId, 'success', url)
    await gh.upsertComment({
      url,
      release: ctx.outcome.release,
      healthy: true,
      state: 'live',
      detail: `deployed on ${ctx.outcome.live?.color} :${ctx.outcome.live?.port}`
    })
    return { ...outcome, preview: { url, port: ctx.outcome.live?.port ?? null } }
  } catch (error) {
    await gh.finishDeployment(deploymentId, 'failure', url)
    await gh.upsertComment({
      url,
      release: ctx.outcome.release,
      healthy: false,
      state: 'failed',
      detail: (error as Error).message.split('\n')[0]
    })
    throw error
  }
}

/** Waits (up to lock-timeout) for a deploy of this preview in progress, then removes the preview. */
export async function destroyPreview(ctx: OperationContext): Promise<OperationOutcome> {
  const number = prNumber(ctx.settings)
  const gh = new PreviewGitHub(ctx.settings.preview.githubToken, number, ctx.settings.appName)
  const lock = await ctx.report.step('Take deploy lock', async () => acquireLock(ctx.remote, previewLock(ctx.settings, number), ctx.run))
  try {
    await withRegistry(ctx, async registry => {
      const entry = registry[number]
      if (!entry) return ctx.report.skip(`Remove preview #${number}`, 'no preview of this pull request on the server')
      await removeInstance(ctx, entry)
      delete registry[number]
    })
  } finally {
    await lock.release()
  }
  await gh.deactivate()
  await gh.upsertComment({ url: '', release: '', healthy: false, state: 'destroyed', detail: '' })
  return { kind: 'status', live: null, healthy: null, releases: [], history: [], preview: { url: '', port: null } }
}

function prNumber(settings: Settings): number {
  if (settings.preview.number) return settings.preview.number
  throw new DeployError(`'command: ${settings.command}' needs a pull request number, and this run has none.`, {
    serverState: 'Nothing was changed on the server.',
    hint: "Run it on pull_request events, or set 'pr-number'."
  })
}

/** Reads the registry under its own lock, lets `change` edit it, and writes it back. */
async function withRegistry<T>(ctx: OperationContext, change: (registry: Registry) => Promise<T>): Promise<T> {
  const file = `${ctx.settings.remoteDir}/previews.json`
  const lock = await acquireLock(ctx.remote, { ...ctx.settings, remoteDir: previewsDir(ctx.settings) }, ctx.run)
  try {
    const registry = parseRegistry(await runChecked(ctx.remote, readRegistry(file)))
    const result = await change(registry)
    await runChecked(ctx.remote, writeRegistry(file, registry))
    return result
  } finally {
    await lock.release()
  }
}

async function allocate(ctx: OperationContext, registry: Registry, number: number): Promise<PreviewEntry> {
  const { preview, slots } = ctx.settings
  if (registry[number]) return registry[number]
  const live = byAge(registry)
  if (live.length >= preview.max) {
    if (!preview.evict) {
      throw new DeployError(
        `${live.length} previews are live already (preview-max ${preview.max}): ${live.map(e => `#${e.number}`).join(', ')}.`,
        {
          serverState: 'Nothing was changed on the server.',
          hint:
            "Close a pull request (its preview-destroy frees a place), raise 'preview-max', or set 'preview-evict: true' to " +
            'replace the oldest.'
        }
      )
    }
    await evictOldest(ctx, registry)
  }
  const range = Array.from({ length: preview.ports.last - preview.ports.first + 1 }, (_, i) => preview.ports.first + i)
  const tcp = parseTcpTable(await runChecked(ctx.remote, readTcpTables(range)))
  const ports = allocatePorts(preview.ports, registry, port => port === slots.blue || port === slots.green || isListening(tcp, port))
  if (!ports) {
    throw new DeployError(`No two free ports are left in preview-ports ${preview.ports.first}-${preview.ports.last}.`, {
      serverState: 'Nothing was changed on the server.',
      hint: "Widen 'preview-ports'."
    })
  }
  registry[number] = { number, ports, createdAt: new Date().toISOString() }
  return registry[number]
}
