/** Reads and writes what the server remembers about an app instance: state.json and history.jsonl. */
import { readOptional, writeFileAtomic } from '../commands/files.js'
import { appendHistory, readHistory } from '../commands/history.js'
import { sequence } from '../commands/sequence.js'
import { runChecked, runSequence, sequenceError, type Remote } from '../ssh/remote.js'
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

  /** state.json and the history line in one remote command: both say the same deploy happened. */
  async writeWithHistory(record: DeployRecord, entry: HistoryEntry): Promise<void> {
    const command = sequence('record state and history', [
      writeFileAtomic(this.layout.stateFile, serializeRecord(record), 'write state.json'),
      appendHistory(this.layout.historyFile, entry, HISTORY_LIMIT)
    ])
    const result = await runSequence(this.remote, command)
    if (result.code !== 0) throw sequenceError(result, command)
  }

  async appendHistory(entry: HistoryEntry): Promise<void> {
    await runChecked(this.remote, appendHistory(this.layout.historyFile, entry, HISTORY_LIMIT))
  }

  async readHistory(): Promise<HistoryEntry[]> {
    return parseHistory(await runChecked(this.remote, readHistory(this.layout.historyFile, HISTORY_LIMIT)))
  }
}
