/** Takes the deploy lock for this app on the server, or says who holds it. */
import { LOCK_BUSY_EXIT, LOCK_HEARTBEAT_MS, LOCK_IDLE_SECONDS, holdLock } from './commands/lock.js'
import type { RunInfo } from './context.js'
import { ConnectionError, DeployError, RemoteCommandError } from './errors.js'
import type { HeldCommand, Remote } from './ssh/remote.js'
import type { Report } from './report/report.js'
import type { Settings } from './settings/types.js'

export async function acquireLock(remote: Remote, settings: Settings, run: RunInfo): Promise<HeldCommand> {
  const owner = JSON.stringify({ runUrl: run.runUrl, actor: run.actor, commit: run.commit, since: new Date().toISOString() })
  const held = await remote.hold(holdLock(settings.remoteDir, settings.lockTimeoutMs, owner), LOCK_HEARTBEAT_MS)
  if (held.firstLine === 'locked') return held
  const result = await held.release()
  if (result.code === LOCK_BUSY_EXIT) throw busy(settings, result.stdout.split('\n')[1] ?? '')
  throw new RemoteCommandError('deploy lock', result.code, `${result.stderr}\n${result.stdout}`, {
    serverState: 'Nothing was changed on the server.',
    hint: /flock: (command )?not found|flock: not found/.test(result.stderr)
      ? "Install util-linux (it provides 'flock') on the server."
      : undefined
  })
}

function busy(settings: Settings, ownerLine: string): DeployError {
  let holder = 'another run'
  try {
    const owner = JSON.parse(ownerLine) as { runUrl?: string; actor?: string; since?: string }
    holder = `${owner.runUrl || 'a run'} by ${owner.actor || 'someone'} since ${owner.since}`
  } catch {
    // An owner file from an older or foreign writer: name no holder.
  }
  return new DeployError(
    `Another deploy of ${settings.appName} holds the lock on the server: ${holder}. Waited ${settings.lockTimeoutMs / 1000} s.`,
    {
      serverState: 'Nothing was changed by this run; the other deploy is in progress.',
      hint: "Wait for it to finish and run again, raise 'lock-timeout', or use a workflow 'concurrency' group so runs queue."
    }
  )
}

/** Once the server frees the lock (no heartbeat reached it), the run must not change anything more. */
export function haltOnLoss(lock: HeldCommand, report: Report, remote: Remote): void {
  lock.onLost(() =>
    report.halt(() => {
      const lost = remote.lostReason()
      if (lost) return new ConnectionError(`Lost the SSH connection: ${lost}.`)
      return new DeployError(
        `This run lost the deploy lock: the server heard no heartbeat from it for ${LOCK_IDLE_SECONDS} s (the runner stalled).`,
        {
          hint: 'Another run may hold the lock now; check its result before deploying again.'
        }
      )
    })
  )
}
