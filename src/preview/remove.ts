/** Removing a preview: on preview-destroy, and when preview-max is reached with preview-evict. */
import { removeFile, removeTree } from '../commands/files.js'
import { nginxReload, nginxTest, removeIfOwn } from '../commands/nginx.js'
import { needsSudo } from '../proxy/nginx-access.js'
import { DeployError } from '../errors.js'
import { PreviewGitHub } from './github.js'
import { acquireLock } from '../lock.js'
import type { OperationContext } from '../context.js'
import { previewInstance, previewLock } from './instance.js'
import { byAge, type PreviewEntry, type Registry } from './registry.js'
import { ServerRecords } from '../server/records.js'
import { runChecked, type HeldCommand, type Remote } from '../ssh/remote.js'
import { ImageRuntime } from '../runtimes/image.js'
import { COLORS } from '../server/slots.js'
import type { Settings } from '../settings/types.js'

/**
 * Stops both slots of a preview, removes its nginx file (then tests and reloads nginx), its own images and
 * its directory. The caller holds the preview's lock.
 */
export async function removeInstance(ctx: OperationContext, entry: PreviewEntry): Promise<void> {
  const instance = previewInstance(ctx.settings, entry.number, entry.ports)
  await ctx.report.step(`Remove preview #${entry.number}`, async note => {
    const record = await new ServerRecords(ctx.remote, instance.remoteDir).read()
    const images = new ImageRuntime(instance, ctx.remote, record?.live.ref ?? '')
    const runtime = record?.mode === 'image' ? images : ctx.wire({ ...ctx, settings: instance }, { mode: 'jar' }).app.runtime
    for (const color of COLORS) await runtime.stop(color)
    await removeNginxFile(ctx.remote, instance)
    const removed = await images.removeOwnImages()
    await runChecked(ctx.remote, removeTree(instance.remoteDir))
    note(`stopped, nginx file removed and nginx reloaded, ${removed ? `${removed} image(s) and ` : ''}${instance.remoteDir} removed`)
  })
}

/**
 * Removes the oldest preview that no run is deploying right now. Its lock is only tried, not waited for:
 * this run holds the registry, which that preview's deploy may be waiting for.
 */
export async function evictOldest(ctx: OperationContext, registry: Registry): Promise<void> {
  const live = byAge(registry)
  for (const entry of live) {
    const lock = await tryLock(ctx, entry.number)
    if (!lock) continue
    try {
      await removeInstance(ctx, entry)
      delete registry[entry.number]
    } finally {
      await lock.release()
    }
    await new PreviewGitHub(ctx.settings.preview.githubToken, entry.number, ctx.settings.appName).deactivate()
    return
  }
  throw new DeployError(
    `${live.length} previews are live already (preview-max ${ctx.settings.preview.max}), and each is being deployed right now: ` +
      `${live.map(e => `#${e.number}`).join(', ')}.`,
    {
      serverState: 'Nothing was changed on the server.',
      hint: "Run again once one of those deploys has finished, or raise 'preview-max'."
    }
  )
}

async function tryLock(ctx: OperationContext, number: number): Promise<HeldCommand | null> {
  try {
    return await acquireLock(ctx.remote, { ...previewLock(ctx.settings, number), lockTimeoutMs: 0 }, ctx.run)
  } catch (error) {
    if (error instanceof DeployError) return null
    throw error
  }
}

async function removeNginxFile(remote: Remote, instance: Settings): Promise<void> {
  const [uid, removed] = (await runChecked(remote, removeIfOwn(instance.nginx.include))).trim().split('\n')
  const sudo = needsSudo(instance.nginx, uid === '0')
  if (removed !== 'removed') await runChecked(remote, removeFile(instance.nginx.include, sudo))
  await runChecked(remote, nginxTest(instance.nginx.testCommand, sudo))
  await runChecked(remote, nginxReload(instance.nginx.reloadCommand, sudo))
}
