/** Progress lines for long transfers (uploads, image pulls), logged every few seconds. */

/** Time as the progress lines see it; tests pass a fake one. */
export interface ProgressClock {
  now(): number
  /** Calls `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void
}

export const systemClock: ProgressClock = {
  now: () => Date.now(),
  every: (ms, tick) => {
    const timer = setInterval(tick, ms)
    // A forgotten ticker must not keep the action alive.
    timer.unref()
    return () => clearInterval(timer)
  }
}

/** How often a progress line is logged; a transfer that ends sooner logs none. */
export const PROGRESS_EVERY_MS = 5_000

const KIB = 1024
const MIB = 1024 * KIB

export function formatBytes(bytes: number): string {
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`
  if (bytes >= KIB) return `${(bytes / KIB).toFixed(1)} KiB`
  return `${bytes} B`
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000)
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.floor(seconds / 60)
  return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`
}

/**
 * "24.0 MiB of 61.0 MiB (39%), 4.8 MiB/s, about 8 s left", with the rate over the last `intervalMs`. Bytes count
 * when SSH takes them, which runs ahead of the server by SSH's window (a few MiB), as scp's count does.
 */
export function formatTransfer(sent: number, total: number, movedInInterval: number, intervalMs: number): string {
  const percent = total > 0 ? Math.floor((Math.min(sent, total) / total) * 100) : 100
  const done = `${formatBytes(sent)} of ${formatBytes(total)} (${percent}%)`
  if (sent >= total) return `${done}, waiting for the server to receive the rest`
  if (movedInInterval <= 0 || intervalMs <= 0) return `${done}, nothing sent in the last ${formatDuration(intervalMs)}`
  const perSecond = movedInInterval / (intervalMs / 1000)
  return `${done}, ${formatBytes(perSecond)}/s, about ${formatDuration(((total - sent) / perSecond) * 1000)} left`
}

/** What a transfer's caller feeds and ends. */
export interface TransferProgress {
  /** The bytes sent so far (a running total). */
  sent(bytes: number): void
  stop(): void
}

/** Logs the transfer's progress every PROGRESS_EVERY_MS until stopped. */
export function transferProgress(total: number, log: (line: string) => void, clock: ProgressClock = systemClock): TransferProgress {
  let sent = 0
  let last = { sent: 0, at: clock.now() }
  const stop = clock.every(PROGRESS_EVERY_MS, () => {
    const now = clock.now()
    log(formatTransfer(sent, total, sent - last.sent, now - last.at))
    last = { sent, at: now }
  })
  return { sent: bytes => (sent = bytes), stop }
}
