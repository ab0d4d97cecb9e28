/** The server-side steps shared by every mode: state, nginx switch and restore, verification, drain, record. */
import { removeFile, writeFileAtomic } from './commands/files.js'
import { nginxReload, nginxTest, renderInclude } from './commands/nginx.js'
import { DeployError, RemoteCommandError, lastLines } from './errors.js'
import { sleep, waitHealthy, type HealthAttempt, type HealthResult } from './health.js'
import { layoutOf } from './layout.js'
import { openConnections, parseTcpTable, readTcpTables } from './proc-net.js'
import { appendHistory, cancelTimers, readHistory, runLater } from './commands/history.js'
import { HISTORY_LIMIT, parseHistory, type HistoryEntry } from './record.js'
import type { Finish } from './progress.js'
import { runChecked, type ExecResult, type Remote, type RemoteCommand } from './remote.js'
import type { AppRuntime } from './runtimes/runtime.js'
import { COLORS, probeServer, readServerState, type Color, type ServerState } from './server-state.js'
import type { Settings } from './settings.js'
import type { Slot } from './slot-plan.js'

/** How long the old version's port must stay without connections before it is stopped. */
const QUIET_MS = 1000

/** How far a switch got: the include file changed, and then nginx (maybe) loaded it. */
export type SwitchStage = 'untouched' | 'include-written' | 'reloaded'

export interface RunInfo {
  actor: string
  runUrl: string
  commit: string
  /** Unique to this run: marks what it starts, so a repair never touches another run's version. */
  token: string
}

export class DeploySteps {
  constructor(
    private readonly settings: Settings,
    private readonly remote: Remote,
    private readonly runtime: AppRuntime
  ) {}

  async readServer(): Promise<ServerState> {
    const { nginx, remoteDir, slots } = this.settings
    const output = await runChecked(this.remote, probeServer(nginx.include, remoteDir, this.runtime.program, [slots.blue, slots.green]))
    return readServerState(output, slots, nginx.template)
  }

  async healthCheck(target: Slot, onAttempt: (attempt: HealthAttempt) => void, cancelled: AbortSignal, timeoutMs = this.settings.health.timeoutMs): Promise<HealthResult> {
    const tunnel = await this.remote.openTunnel(target.port)
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
      await tunnel.close()
    }
  }

  /** Writes the include, runs the nginx test and reloads. The caller restores the include on failure. */
  async switchNginx(target: Slot, sudo: boolean, reached: (stage: SwitchStage) => void): Promise<void> {
    const { nginx } = this.settings
    reached('include-written')
    await runChecked(this.remote, writeFileAtomic(nginx.include, renderInclude(nginx.template, target.port), sudo, 'write nginx include'))
    await runChecked(this.remote, nginxTest(nginx.testCommand, sudo))
    const reload = nginxReload(nginx.reloadCommand, sudo)
    const result = await this.remote.exec(reload)
    // A reload that did not finish (timeout, lost connection) may still have happened.
    if (result.code === 0 || result.code === null) reached('reloaded')
    if (result.code !== 0) throw new RemoteCommandError(reload.label, result.code, `${result.stderr}\n${result.stdout}`)
  }

  /**
   * Puts the include back as it was (or removes it if there was none), tests and reloads nginx.
   * `restored` is true only when nginx has loaded the restored configuration.
   */
  async restoreNginx(previousText: string | null, sudo: boolean): Promise<{ restored: boolean; note: string }> {
    const { nginx } = this.settings
    const restore = previousText === null
      ? removeFile(nginx.include, sudo)
      : writeFileAtomic(nginx.include, previousText, sudo, 'restore nginx include')
    await runChecked(this.remote, restore)
    const test = await this.remote.exec(nginxTest(nginx.testCommand, sudo))
    if (test.code !== 0) return { restored: false, note: `the nginx include was restored, but 'nginx -t' failed (${why(test)}), so nginx was not reloaded` }
    const reload = await this.remote.exec(nginxReload(nginx.reloadCommand, sudo))
    if (reload.code === 0) return { restored: true, note: 'the nginx include was restored and nginx reloaded' }
    return { restored: false, note: `the nginx include was restored, but reloading nginx failed (${why(reload)}), so nginx keeps the configuration it last loaded` }
  }

  /** Asks nginx (through the tunnel) until it answers like a healthy app; nginx reloads asynchronously. */
  async verifyThroughNginx(): Promise<string> {
    const url = new URL(this.settings.nginx.verifyUrl)
    const tunnel = await this.remote.openTunnel(Number(url.port || 80))
    try {
      const result = await waitHealthy({
        baseUrl: `http://127.0.0.1:${tunnel.localPort}`,
        settings: { ...this.settings.health, path: url.pathname + url.search, timeoutMs: 10_000, intervalMs: 250 },
        requiredSuccesses: 1,
        isAlive: async () => true,
        connected: () => tunnel.check(),
        host: this.settings.nginx.verifyHost || undefined
      })
      const last = result.attempts.at(-1)?.detail ?? 'no answer'
      if (result.healthy) return `${url.href} → ${last}`
      throw new DeployError(`nginx did not answer like a healthy app at ${url.href} after the switch (last: ${last}).`, {
        hint: "Check the server block that includes 'nginx-include' and uses $service_url; set 'verify-url' to a URL nginx serves from the app, or 'false' to skip this check."
      })
    } finally {
      await tunnel.close()
    }
  }

  /**
   * Waits until nothing has been connected to the old version's port for QUIET_MS, up to drain-timeout.
   * A single empty reading is not enough: right after a reload, nginx workers that still run the old
   * configuration can accept a request or two and send it to the old port.
   */
  async drain(old: Slot, cancelled: AbortSignal): Promise<string> {
    const begin = Date.now()
    const deadline = begin + this.settings.drainTimeoutMs
    let lastSeenOpen = begin
    for (;;) {
      if (cancelled.aborted) return `cancelled after ${Date.now() - begin} ms`
      const open = openConnections(parseTcpTable(await runChecked(this.remote, readTcpTables([old.port]))), old.port)
      const now = Date.now()
      if (open > 0) lastSeenOpen = now
      else if (now - lastSeenOpen >= QUIET_MS || now >= deadline) return `no open connections, quiet for ${now - lastSeenOpen} ms (${now - begin} ms in all)`
      if (now >= deadline) return `gave up after ${now - begin} ms with ${open} connection(s) still open`
      await sleep(100)
    }
  }

  /** A kept-previous version is about to be replaced or switched back to: its pending stop must not fire. */
  async cancelKeepTimers(): Promise<void> {
    const layout = layoutOf(this.settings.remoteDir)
    await runChecked(this.remote, cancelTimers(COLORS.map(color => layout.timerFile(color))))
  }

  async stopLater(color: Color, stop: RemoteCommand): Promise<void> {
    await runChecked(this.remote, runLater(layoutOf(this.settings.remoteDir).timerFile(color), this.settings.keepPreviousMs, stop))
  }

  async readHistory(): Promise<HistoryEntry[]> {
    return parseHistory(await runChecked(this.remote, readHistory(layoutOf(this.settings.remoteDir).historyFile, HISTORY_LIMIT)))
  }

  /** Writes state.json and appends the history line of a deploy whose traffic has moved. */
  async recordFinish({ state, history }: Finish): Promise<void> {
    const layout = layoutOf(this.settings.remoteDir)
    await runChecked(this.remote, writeFileAtomic(layout.stateFile, JSON.stringify(state, null, 2) + '\n', false, 'record state'))
    await runChecked(this.remote, appendHistory(layout.historyFile, history, HISTORY_LIMIT))
  }
}

function why(result: ExecResult): string {
  return lastLines(`${result.stderr}\n${result.stdout}`, 2) || `exit code ${result.code}`
}
