/** Pull-request previews: each PR runs as its own app instance (APP-pr-N) on ports from preview-ports. */
import * as github from '@actions/github'
import { nginxReload, nginxTest } from './commands/nginx.js'
import { removeImage } from './commands/docker.js'
import { loginUid, readOptional, removeFile, removeTree } from './commands/files.js'
import { layoutOf } from './layout.js'
import { DeployError } from './errors.js'
import { PreviewGitHub } from './github-preview.js'
import { acquireLock } from './lock.js'
import { runOperation, type OperationContext, type OperationOutcome } from './operations.js'
import { fillPreview } from './preview-settings.js'
import { allocatePorts, byAge, parseRegistry, readRegistry, writeRegistry, type PreviewEntry, type Registry } from './preview-registry.js'
import { isListening, parseTcpTable, readTcpTables } from './proc-net.js'
import { parseRecord } from './record.js'
import { runChecked } from './remote.js'
import { ImageRuntime } from './runtimes/image.js'
import { JarRuntime } from './runtimes/jar.js'
import { COLORS } from './server-state.js'
import type { Settings } from './settings.js'

export interface PreviewOutcome {
  url: string
  port: number | null
}

export async function runPreview(ctx: OperationContext): Promise<OperationOutcome> {
  const number = prNumber(ctx.settings)
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
    const lock = await ctx.report.step('Take deploy lock', async () => acquireLock(ctx.remote, instance, ctx.run))
    // The post step must repair this preview instance, not the production app.
    const progress: typeof ctx.progress = p => ctx.progress(p.phase === 'done' ? p : { ...p, preview: { number, ports: entry.ports } })
    const outcome = await runOperation({ ...ctx, settings: instance, progress }).finally(() => lock.release())
    await gh.finishDeployment(deploymentId, 'success', url)
    await gh.upsertComment({ url, release: ctx.report.release, healthy: true, state: 'live', detail: `deployed on ${ctx.report.after?.color} :${ctx.report.after?.port}` })
    return { ...outcome, preview: { url, port: ctx.report.after?.port ?? null } }
  } catch (error) {
    await gh.finishDeployment(deploymentId, 'failure', url)
    await gh.upsertComment({ url, release: ctx.report.release, healthy: false, state: 'failed', detail: (error as Error).message.split('\n')[0] })
    throw error
  }
}

export async function destroyPreview(ctx: OperationContext): Promise<OperationOutcome> {
  const number = prNumber(ctx.settings)
  const gh = new PreviewGitHub(ctx.settings.preview.githubToken, number, ctx.settings.appName)
  await withRegistry(ctx, async registry => {
    const entry = registry[number]
    if (!entry) return ctx.report.skip(`Remove preview #${number}`, 'no preview of this pull request on the server')
    await removeInstance(ctx, entry)
    delete registry[number]
  })
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

function previewUrl(settings: Settings, number: number): string {
  return fillPreview(settings.preview.urlTemplate, { number, domain: settings.preview.domain, app: settings.appName })
}

/** The settings of one preview: its own app name, directory, ports and nginx file, all else shared. */
export function previewInstance(settings: Settings, number: number, ports: [number, number]): Settings {
  const { preview } = settings
  const appName = `${settings.appName}-pr-${number}`
  return {
    ...settings,
    command: 'deploy',
    appName,
    remoteDir: `${settings.remoteDir}-pr-${number}`,
    slots: { blue: ports[0], green: ports[1] },
    keepPreviousMs: 0,
    nginx: {
      ...settings.nginx,
      include: `${preview.nginxDir}/${appName}.conf`,
      template: fillPreview(preview.nginxTemplate, { number, domain: preview.domain, app: settings.appName }),
      verifyHost: new URL(previewUrl(settings, number)).hostname
    }
  }
}

/** Reads the registry under its own lock, lets `change` edit it, and writes it back. */
async function withRegistry<T>(ctx: OperationContext, change: (registry: Registry) => Promise<T>): Promise<T> {
  const file = `${ctx.settings.remoteDir}/previews.json`
  const lock = await acquireLock(ctx.remote, { ...ctx.settings, remoteDir: `${ctx.settings.remoteDir}/previews` }, ctx.run)
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
      throw new DeployError(`${live.length} previews are live already (preview-max ${preview.max}): ${live.map(e => `#${e.number}`).join(', ')}.`, {
        serverState: 'Nothing was changed on the server.',
        hint: "Close a pull request (its preview-destroy frees a place), raise 'preview-max', or set 'preview-evict: true' to replace the oldest."
      })
    }
    const oldest = live[0]
    await removeInstance(ctx, oldest)
    delete registry[oldest.number]
    await new PreviewGitHub(preview.githubToken, oldest.number, ctx.settings.appName).deactivate()
  }
  const range = Array.from({ length: preview.ports.last - preview.ports.first + 1 }, (_, i) => preview.ports.first + i)
  const tcp = parseTcpTable(await runChecked(ctx.remote, readTcpTables(range)))
  const ports = allocatePorts(preview.ports, registry, port => port === slots.blue || port === slots.green || isListening(tcp, port))
  if (!ports) {
    throw new DeployError(`No two free ports are left in preview-ports ${preview.ports.first}-${preview.ports.last}.`, {
      serverState: 'Nothing was changed on the server.', hint: "Widen 'preview-ports'."
    })
  }
  registry[number] = { number, ports, createdAt: new Date().toISOString() }
  return registry[number]
}

/** Stops both slots of a preview, removes its nginx file (then tests and reloads nginx), images and files. */
async function removeInstance(ctx: OperationContext, entry: PreviewEntry): Promise<void> {
  const instance = previewInstance(ctx.settings, entry.number, entry.ports)
  await ctx.report.step(`Remove preview #${entry.number}`, async note => {
    const record = parseRecord(JSON.parse((await runChecked(ctx.remote, readOptional(layoutOf(instance.remoteDir).stateFile, 'read state'))).trim() || 'null'))
    const runtime = record?.mode === 'image' ? new ImageRuntime(instance, ctx.remote, record.active?.ref ?? '') : JarRuntime.kept(instance, ctx.remote)
    for (const color of COLORS) await runtime.stop(color)
    const isRoot = (await runChecked(ctx.remote, loginUid())).trim() === '0'
    const sudo = instance.nginx.sudo === 'true' || (instance.nginx.sudo === 'auto' && !isRoot)
    await runChecked(ctx.remote, removeFile(instance.nginx.include, sudo))
    await runChecked(ctx.remote, nginxTest(instance.nginx.testCommand, sudo))
    await runChecked(ctx.remote, nginxReload(instance.nginx.reloadCommand, sudo))
    for (const ref of [record?.active?.ref, record?.previous?.ref].filter((r): r is string => !!r)) {
      await ctx.remote.exec(removeImage(instance.image.dockerCommand, ref))
    }
    await runChecked(ctx.remote, removeTree(instance.remoteDir))
    note(`stopped, nginx file removed and nginx reloaded, ${instance.remoteDir} removed`)
  })
}
