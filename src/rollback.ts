/** Which release a redeploy or rollback runs: the live one, the previous one, or the kept one `release` names. */
import type { DeployOptions, OperationContext } from './context.js'
import { DeployError } from './errors.js'
import type { KeptRelease, RuntimeSource } from './runtimes/runtime.js'
import type { DeployRecord, SlotRecord } from './server/record.js'

export interface ChosenRelease {
  source: RuntimeSource
  options?: DeployOptions
}

export async function chooseRelease(ctx: OperationContext, record: DeployRecord | null): Promise<ChosenRelease> {
  if (!record) throw nothingDeployed(ctx.settings.appName)
  const kept = (slot: SlotRecord | KeptRelease): RuntimeSource => ({ mode: record.mode, release: slot.release, ref: record.live.ref })
  if (ctx.settings.command === 'redeploy') return { source: kept(record.live) }
  return { source: kept(await rollbackTarget(ctx, record)), options: { reuse: record.previous ?? undefined } }
}

/** The previous release, or the kept one the `release` input selects. */
async function rollbackTarget(ctx: OperationContext, record: DeployRecord): Promise<SlotRecord | KeptRelease> {
  const wanted = ctx.settings.release
  const live = ctx.wire(ctx, { mode: record.mode, release: record.live.release, ref: record.live.ref })
  const kept = await live.app.runtime.listReleases()
  const available = kept.map(release => release.label).join(', ') || 'none'
  if (!wanted) {
    if (record.previous?.release) return record.previous
    throw new DeployError(`Nothing to roll back to: the server records no previous release of ${ctx.settings.appName}.`, {
      serverState: 'Nothing was changed on the server; the live version keeps serving.',
      hint: `Pick a kept release with 'release' (kept: ${available}), or deploy the version you want.`
    })
  }
  const matches = kept.filter(release =>
    [release.release, release.release.replace(/^sha256:/, ''), release.label].some(name => name.startsWith(wanted) || name === wanted)
  )
  if (matches.length === 1) return matches[0]
  throw new DeployError(
    matches.length === 0
      ? `Release '${wanted}' is not kept on the server (kept: ${available}).`
      : `Release '${wanted}' matches ${matches.length} kept releases (${matches.map(m => m.label).join(', ')}).`,
    {
      serverState: 'Nothing was changed on the server; the live version keeps serving.',
      hint: "Give more of the sha256 or digest, or the exact tag, in 'release'."
    }
  )
}

function nothingDeployed(app: string): DeployError {
  return new DeployError(`Nothing is deployed for ${app} on this server yet (no state file).`, {
    serverState: 'Nothing was changed on the server.',
    hint: "Run 'command: deploy' first; check 'app-name' and 'remote-dir' if it was deployed before."
  })
}

/** deploy: the jar found on the runner, or the image input. */
export function newRelease(ctx: Pick<OperationContext, 'jar' | 'settings'>): RuntimeSource {
  const { artifact } = ctx.settings
  return ctx.jar ? { jar: ctx.jar } : { image: artifact.kind === 'image' ? artifact.ref : '' }
}
