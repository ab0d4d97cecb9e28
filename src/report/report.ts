/** The run's steps as they happen: timed, logged (each in a foldable group), and kept for the job summary. */
import { DeployError } from '../errors.js'
import { oneLine, safeText } from './safe-text.js'

/** Where the report's lines go (the runner's log, through @actions/core). All text reaching it is inert. */
export interface ReportLog {
  info(line: string): void
  /** Shown only with step debug logging on. */
  debug(line: string): void
  /** The runner folds the lines up to endGroup under the title; groups do not nest. */
  startGroup(title: string): void
  endGroup(): void
}

/** Plain lines, for tests and scripts: a group's title is a `▶` line, and debug lines are dropped. */
export function lineLog(log: (line: string) => void): ReportLog {
  return { info: log, debug: () => {}, startGroup: title => log(`▶ ${title}`), endGroup: () => {} }
}

export type StepOutcome = 'ok' | 'failed' | 'skipped'

export interface StepRecord {
  name: string
  outcome: StepOutcome
  durationMs: number
  note: string
}

export interface SummaryTable {
  title: string
  headers: string[]
  rows: string[][]
  folded: boolean
}

export class Report {
  readonly steps: StepRecord[] = []
  readonly warnings: string[] = []
  /** Set when the run must not touch the server any more (it lost the deploy lock). */
  private haltedBy: (() => Error) | null = null
  readonly tables: SummaryTable[] = []
  private readonly startedAt = Date.now()
  private readonly sink: ReportLog
  /** How many steps are running inside each other: only the outermost gets a group. */
  private depth = 0

  constructor(
    /** Gets each log line made inert: step notes quote the server. */
    log: ReportLog | ((line: string) => void) = () => {},
    /** Aborted when the runner cancels the job: no new step starts after that. */
    readonly cancelled: AbortSignal = new AbortController().signal,
    /** Replaces how a titled block of server text (a hook's output) is shown; it must make the text inert itself. */
    private readonly group?: (title: string, text: string) => void
  ) {
    this.sink = typeof log === 'function' ? lineLog(log) : log
  }

  private log(text: string): void {
    this.sink.info(safeText(text))
  }

  /** Detail for step debug logging (remote commands and their timings). */
  debug(text: string): void {
    this.sink.debug(safeText(text))
  }

  /** Runs one named step, timing it; the step may leave a short note for the summary. */
  async step<T>(name: string, run: (note: (text: string) => void) => Promise<T>): Promise<T> {
    if (this.cancelled.aborted) {
      this.skip(name, 'not started: the run was cancelled')
      throw new DeployError(`The run was cancelled before '${name}'.`)
    }
    return this.cleanupStep(name, run)
  }

  /** A step that runs even after cancellation: putting the server back in order. */
  async cleanupStep<T>(name: string, run: (note: (text: string) => void) => Promise<T>): Promise<T> {
    if (this.haltedBy) {
      this.skip(name, 'not started: the run lost the deploy lock')
      throw this.haltedBy()
    }
    const record: StepRecord = { name, outcome: 'ok', durationMs: 0, note: '' }
    const begin = Date.now()
    const grouped = this.depth === 0
    if (grouped) this.sink.startGroup(oneLine(name))
    else this.log(`▶ ${name}`)
    this.depth++
    try {
      return await run(text => (record.note = text))
    } catch (error) {
      record.outcome = 'failed'
      throw error
    } finally {
      this.depth--
      record.durationMs = Date.now() - begin
      this.steps.push(record)
      if (grouped) this.sink.endGroup()
      // Outside the group, so that the folded log still shows how each step went.
      this.log(`  ${record.outcome === 'ok' ? '✓' : '✗'} ${name} (${record.durationMs} ms)${record.note ? `: ${record.note}` : ''}`)
    }
  }

  /**
   * From now on no step runs, not even a cleanup step. `reason` is asked when a step would start, when what
   * happened meanwhile (a lost connection) is known.
   */
  halt(reason: () => Error): void {
    this.haltedBy ??= reason
  }

  get halted(): boolean {
    return this.haltedBy !== null
  }

  skip(name: string, note: string): void {
    this.steps.push({ name, outcome: 'skipped', durationMs: 0, note })
    this.log(`- ${name}: ${note}`)
  }

  /** A block of server text in the log, such as a hook's output: its own group, or within the running step's. */
  block(title: string, text: string): void {
    if (this.group) return this.group(title, text)
    const body = safeText(text.replace(/\s+$/, ''))
    if (this.depth > 0) return this.sink.info(`${safeText(title)}\n${body}`)
    this.sink.startGroup(oneLine(title))
    this.sink.info(body)
    this.sink.endGroup()
  }

  /** An extra table for the summary (status: kept releases, history); a folded one sits in a <details> block. */
  table(title: string, headers: string[], rows: string[][], options: { folded?: boolean } = {}): void {
    this.tables.push({ title, headers, rows, folded: options.folded ?? false })
  }

  warn(text: string): void {
    this.warnings.push(text)
  }

  elapsedMs(): number {
    return Date.now() - this.startedAt
  }
}
