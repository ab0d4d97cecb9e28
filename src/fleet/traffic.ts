/** Moving traffic across hosts: each change is one include written, tested and reloaded on the nginx host. */
import { DeployError } from '../errors.js'
import type { FleetRun } from './fleet-context.js'

/** The include text nginx has loaded, as far as this run knows: what a failure puts back. */
export class Route {
  private loaded: string | null

  constructor(private readonly run: FleetRun) {
    this.loaded = run.includeBefore
  }

  get text(): string | null {
    return this.loaded
  }

  /**
   * Writes, tests and reloads `text` as the step `name`; on failure nginx is put back to what it had loaded.
   * `cleanup`: putting things back after a failure, which runs even when the run was cancelled.
   */
  async apply(name: string, text: string, note: string, options: { cleanup?: boolean } = {}): Promise<void> {
    const { report, proxyRole } = this.run
    const step = options.cleanup ? report.cleanupStep.bind(report) : report.step.bind(report)
    await step(name, async done => {
      let touched = false
      try {
        await proxyRole.write(text, stage => (touched = touched || stage !== 'untouched'))
      } catch (error) {
        if (touched) await this.putBack()
        throw error
      }
      this.loaded = text
      done(note)
    })
  }

  /** Writes back the include nginx had loaded last (after a failed write). */
  private async putBack(): Promise<void> {
    await this.run.report.cleanupStep('Restore nginx include', async note => note((await this.run.proxyRole.restore(this.loaded)).note))
  }

  /** Puts the include back as it was before the run; throws when nginx did not load it. */
  async restoreOriginal(): Promise<string> {
    if (this.loaded === this.run.includeBefore) return 'nginx was not changed'
    const restored = await this.run.report.cleanupStep('Restore nginx include', async note => {
      const result = await this.run.proxyRole.restore(this.run.includeBefore)
      note(result.note)
      return result
    })
    if (!restored.restored) throw new DeployError(`Could not put nginx back: ${restored.note}.`)
    this.loaded = this.run.includeBefore
    return restored.note
  }
}
