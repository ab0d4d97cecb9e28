/** The six commands: deploy, redeploy, rollback, status, preview and preview-destroy; the first three are recorded in the server's history. */
import type { DeployOptions, OperationContext, OperationOutcome } from './context.js'
import { deploy } from './deploy.js'
import { readOptional } from './commands/files.js'
import { appendHistory } from './commands/history.js'
import { DeployError } from './errors.js'
import { layoutOf } from './layout.js'
import { HISTORY_LIMIT, parseRecord, type HistoryEntry, type ServerRecord, type SlotRecord } from './record.js'
import { runChecked } from './remote.js'
import { ImageRuntime } from './runtimes/image.js'
import { JarRuntime } from './runtimes/jar.js'
import type { AppRuntime, KeptRelease } from './runtimes/runtime.js'
import { destroyPreview, runPreview } from './preview.js'
import { status } from './status.js'

export type { OperationContext, OperationOutcome }

export async function runOperation(ctx: OperationContext): Promise<OperationOutcome> {
  const { settings } = ctx
  if (settings.command === 'status') return { kind: 'status', ...(await status(ctx, await readRecord(ctx))) }
  if (settings.command === 'preview') return runPreview(ctx, runOperation)
  if (settings.command === 'preview-destroy') return destroyPreview(ctx)
  let runtime: AppRuntime | undefined
  try {
    const chosen = await chooseRelease(ctx)
    runtime = chosen.runtime
    // A deploy whose traffic moved records its own history line, together with state.json.
    return { kind: 'deploy', ...(await deploy({ ...ctx, runtime }, chosen.options)) }
  } catch (error) {
    // The history notes failures too, but a failure to write it must not hide the command's own error.
    const entry: HistoryEntry = {
      time: new Date().toISOString(), command: settings.command, result: 'failed', release: runtime?.release ?? '',
      from: ctx.report.before, to: ctx.report.after, actor: ctx.run.actor, runUrl: ctx.run.runUrl, commit: ctx.run.commit,
      error: (error as Error).message
    }
    if (!ctx.report.halted) await runChecked(ctx.remote, appendHistory(layoutOf(settings.remoteDir).historyFile, entry, HISTORY_LIMIT)).catch(() => {})
    throw error
  }
}

/** What to run: the new artifact (deploy), the live release (redeploy) or an earlier one (rollback). */
async function chooseRelease(ctx: OperationContext): Promise<{ runtime: AppRuntime; options?: DeployOptions }> {
  const { settings } = ctx
  if (settings.command === 'deploy') {
    return { runtime: ctx.jar ? new JarRuntime(settings, ctx.remote, ctx.jar) : new ImageRuntime(settings, ctx.remote, imageRef(ctx)) }
  }
  const record = await readRecord(ctx)
  if (!record?.active) throw nothingDeployed(settings.appName)
  if (settings.command === 'redeploy') return { runtime: runtimeFor(ctx, record, record.active) }
  const target = await rollbackTarget(ctx, record)
  return { runtime: runtimeFor(ctx, record, target), options: { reuse: record.previous ?? undefined } }
}

async function readRecord(ctx: OperationContext): Promise<ServerRecord | null> {
  const text = await runChecked(ctx.remote, readOptional(layoutOf(ctx.settings.remoteDir).stateFile, 'read state'))
  try {
    return parseRecord(text.trim() ? (JSON.parse(text) as Record<string, unknown>) : null)
  } catch {
    return null
  }
}

function imageRef(ctx: OperationContext): string {
  return ctx.settings.artifact.kind === 'image' ? ctx.settings.artifact.ref : ''
}

function runtimeFor(ctx: OperationContext, record: ServerRecord, slot: SlotRecord | KeptRelease): AppRuntime {
  if (record.mode === 'jar') return JarRuntime.kept(ctx.settings, ctx.remote, slot.release)
  const repository = (record.active?.ref ?? imageRef(ctx)).split('@')[0]
  return new ImageRuntime(ctx.settings, ctx.remote, `${repository}@${slot.release}`)
}

/** The previous release, or the kept one the `release` input selects. */
async function rollbackTarget(ctx: OperationContext, record: ServerRecord): Promise<SlotRecord | KeptRelease> {
  const wanted = ctx.settings.release
  const kept = await runtimeFor(ctx, record, record.active as SlotRecord).listReleases()
  const available = kept.map(release => release.label).join(', ') || 'none'
  if (!wanted) {
    if (record.previous?.release) return record.previous
    throw new DeployError(`Nothing to roll back to: the server records no previous release of ${ctx.settings.appName}.`, {
      serverState: 'Nothing was changed on the server; the live version keeps serving.',
      hint: `Pick a kept release with 'release' (kept: ${available}), or deploy the version you want.`
    })
  }
  const matches = kept.filter(release => [release.release, release.release.replace(/^sha256:/, ''), release.label].some(name => name.startsWith(wanted) || name === wanted))
  if (matches.length === 1) return matches[0]
  throw new DeployError(matches.length === 0
    ? `Release '${wanted}' is not kept on the server (kept: ${available}).`
    : `Release '${wanted}' matches ${matches.length} kept releases (${matches.map(m => m.label).join(', ')}).`, {
    serverState: 'Nothing was changed on the server; the live version keeps serving.',
    hint: "Give more of the sha256 or digest, or the exact tag, in 'release'."
  })
}

function nothingDeployed(app: string): DeployError {
  return new DeployError(`Nothing is deployed for ${app} on this server yet (no state file).`, {
    serverState: 'Nothing was changed on the server.',
    hint: "Run 'command: deploy' first; check 'app-name' and 'remote-dir' if it was deployed before."
  })
}
