/** Reads and writes what the server remembers about an app instance: state.json and history.jsonl. */
import { readOptional, writeFileAtomic } from '../commands/files.js'
import { appendHistory, readHistory } from '../commands/history.js'
import { runChecked, type Remote } from '../ssh/remote.js'
import { layoutOf } from './layout.js'
import { HISTORY_LIMIT, parseHistory, parseRecord, serializeRecord, type DeployRecord, type HistoryEntry } from './record.js'

export class ServerRecords {
  private readonly layout

  constructor(
    private readonly remote: Remote,
    remoteDir: string
  ) {
    this.layout = layoutOf(remoteDir)
  }

  async read(): Promise<DeployRecord | null> {
    return parseRecord(await runChecked(this.remote, readOptional(this.layout.stateFile, 'read state.json')))
  }

  async write(record: DeployRecord): Promise<void> {
    await runChecked(this.remote, writeFileAtomic(this.layout.stateFile, serializeRecord(record), 'write state.json'))
  }

  async appendHistory(entry: HistoryEntry): Promise<void> {
    await runChecked(this.remote, appendHistory(this.layout.historyFile, entry, HISTORY_LIMIT))
  }

  async readHistory(): Promise<HistoryEntry[]> {
    return parseHistory(await runChecked(this.remote, readHistory(this.layout.historyFile, HISTORY_LIMIT)))
  }
}
