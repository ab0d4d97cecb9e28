/** A ProgressClock whose time moves only when a test says so. */
import type { ProgressClock } from '../../src/report/transfer-progress.js'

export class FakeClock implements ProgressClock {
  private time = 0
  private readonly tickers = new Set<{ ms: number; next: number; tick: () => void }>()

  now(): number {
    return this.time
  }

  every(ms: number, tick: () => void): () => void {
    const ticker = { ms, next: this.time + ms, tick }
    this.tickers.add(ticker)
    return () => this.tickers.delete(ticker)
  }

  /** Moves time on by `ms`, running each ticker whenever its time comes. */
  advance(ms: number): void {
    const end = this.time + ms
    for (;;) {
      const due = [...this.tickers].filter(ticker => ticker.next <= end).sort((a, b) => a.next - b.next)[0]
      if (!due) break
      this.time = due.next
      due.next += due.ms
      due.tick()
    }
    this.time = end
  }
}
