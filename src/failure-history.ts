/** The history line a failed command leaves on the server. */
import type { OperationContext } from './context.js'
import type { HistoryEntry } from './server/record.js'

export function failedEntry(
  { settings, outcome, run }: Pick<OperationContext, 'settings' | 'outcome' | 'run'>,
  error: Error
): HistoryEntry {
  return {
    time: new Date().toISOString(),
    command: settings.command,
    result: 'failed',
    release: outcome.release,
    from: outcome.previous,
    to: outcome.live === outcome.previous ? null : outcome.live,
    actor: run.actor,
    runUrl: run.runUrl,
    commit: run.commit,
    error: error.message
  }
}
