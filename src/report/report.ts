/** The run's steps as they happen: timed, logged, and kept for the job summary. */
import { DeployError } from '../errors.js'
import { safeText } from './safe-text.js'

export type StepOutcome = 'ok' | 'failed' | 'skipped'

export interface StepRecord {
  name: string
  outcome: StepOutcome
  durationMs: number
  note: string
}

export class Report {
  readonly steps: StepRecord[] = []
  readonly warnings: string[] = []
  /** Set when the run must not touch the server any more (it lost the deploy lock). */
  private haltedBy: (() => Error) | null = null
  readonly tables: { title: string; headers: string[]; rows: string[][] }[] = []
  private readonly startedAt = Date.now()
  private readonly log: (line: string) => void

  constructor(
    /** Gets each log line made inert: step notes quote the server. */
    log: (line: string) => void = () => {},
    /** Aborted when the runner cancels the job: no new step starts after that. */
    readonly cancelled: AbortSignal = new AbortController().signal,
    /** Shows a titled block of server text (a hook's output) as a foldable group; it must make the text inert itself. */
    private readonly group: (title: string, text: string) => void = (title, text) => log(safeText(`${title}\n${text}`))
  ) {
    this.log = line => log(safeText(line))
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
    this.log(`▶ ${name}`)
    try {
      return await run(text => (record.note = text))
    } catch (error) {
      record.outcome = 'failed'
      throw error
    } finally {
      record.durationMs = Date.now() - begin
      this.steps.push(record)
      this.log(`  ${record.outcome === 'ok' ? '✓' : '✗'} ${name} (${record.durationMs} ms)${record.note ? `: ${record.note}` : ''}`)
    }
  }

  /** From now on no step runs, not even a cleanup step: `error` says why. */
  /** `reason` is asked when a step would start, when what happened meanwhile (a lost connection) is known. */
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

  /** A block of server text in the log, such as a hook's output. */
  block(title: string, text: string): void {
    this.group(title, text)
  }

  /** An extra table for the summary (status: kept releases, history). */
  table(title: string, headers: string[], rows: string[][]): void {
    this.tables.push({ title, headers, rows })
  }

  warn(text: string): void {
    this.warnings.push(text)
  }

  elapsedMs(): number {
    return Date.now() - this.startedAt
  }
}
