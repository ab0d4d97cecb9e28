/**
 * The app-host role: a runtime (jar or image) on one server, plus what is observed there about its slots:
 * health, open connections, and the keep-previous timers. Today the host is the nginx server too.
 */
import { cancelTimers, runLater } from '../commands/history.js'
import { readTcpTables } from '../commands/tcp.js'
import { sleep, waitHealthy, type HealthAttempt, type HealthResult } from '../health/health.js'
import { DeployError } from '../errors.js'
import { layoutOf } from '../server/layout.js'
import { COLORS, portsOf, type Color, type Slot } from '../server/slots.js'
import { openConnections, parseTcpTable } from '../server/tcp-table.js'
import type { Settings } from '../settings/types.js'
import { runChecked, type Remote } from '../ssh/remote.js'
import type { AppHost, AppRuntime } from './runtime.js'

/** How long the old version's port must stay without connections before it is stopped. */
const QUIET_MS = 1000

export class RemoteAppHost implements AppHost {
  private readonly closingTunnels: Promise<unknown>[] = []

  constructor(
    readonly remote: Remote,
    private readonly settings: Settings,
    readonly runtime: AppRuntime
  ) {}

  async healthCheck(
    target: Slot,
    onAttempt: (attempt: HealthAttempt) => void,
    cancelled: AbortSignal,
    timeoutMs = this.settings.health.timeoutMs
  ): Promise<HealthResult> {
    const tunnel = await this.remote.openTunnel(this.healthPort(target))
    try {
      return await waitHealthy({
        baseUrl: `http://127.0.0.1:${tunnel.localPort}`,
        settings: { ...this.settings.health, timeoutMs },
        requiredSuccesses: this.settings.health.checksRequired,
        isAlive: () => this.runtime.isAlive(target.color),
        connected: () => tunnel.check(),
        onAttempt,
        cancelled
      })
    } finally {
      // Not awaited: the switch should follow a healthy answer at once. A drain waits for it (see drain()).
      this.closingTunnels.push(tunnel.close())
    }
  }

  /** The port the health check asks: the slot's app port, or with health-port management its management port. */
  healthPort(slot: Slot): number {
    if (this.settings.health.port === 'app') return slot.port
    // A record written before management-ports existed names no management port: the configured one is the slot's.
    const port = slot.managementPort ?? this.settings.slots.management?.[slot.color]
    if (port === undefined) {
      throw new DeployError(`'health-port' is management, but the ${slot.color} slot has no management port.`, {
        serverState: 'The health check did not run; nothing was changed by it.',
        hint: "Set 'management-ports', or 'health-port: app'."
      })
    }
    return port
  }

  /**
   * Waits until nothing has been connected to the slot's ports (app and management) for QUIET_MS, up to drain-timeout.
   * A single empty reading is not enough: right after a reload, nginx workers that still run the old
   * configuration can accept a request or two and send it to the old port.
   */
  async drain(slot: Slot, cancelled: AbortSignal): Promise<string> {
    // The action's own health-check connection must not count as one the slot still serves.
    await Promise.all(this.closingTunnels.splice(0))
    const begin = Date.now()
    const deadline = begin + this.settings.drainTimeoutMs
    let lastSeenOpen = begin
    for (;;) {
      if (cancelled.aborted) return `cancelled after ${Date.now() - begin} ms`
      const ports = portsOf(slot)
      const table = parseTcpTable(await runChecked(this.remote, readTcpTables(ports)))
      const open = ports.reduce((sum, port) => sum + openConnections(table, port), 0)
      const now = Date.now()
      if (open > 0) lastSeenOpen = now
      else if (now - lastSeenOpen >= QUIET_MS || now >= deadline)
        return `no open connections, quiet for ${now - lastSeenOpen} ms (${now - begin} ms in all)`
      if (now >= deadline) return `gave up after ${now - begin} ms with ${open} connection(s) still open`
      await sleep(100)
    }
  }

  async cancelKeepTimers(): Promise<void> {
    const layout = layoutOf(this.settings.remoteDir)
    await runChecked(this.remote, cancelTimers(COLORS.map(color => layout.timerFile(color))))
  }

  async stopLater(color: Color): Promise<void> {
    const stop = await this.runtime.stopLater(color)
    await runChecked(this.remote, runLater(layoutOf(this.settings.remoteDir).timerFile(color), this.settings.keepPreviousMs, stop))
  }
}
