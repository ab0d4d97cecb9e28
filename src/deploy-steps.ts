/** The deploy's steps, one function each. deploy.ts strings them together like a runbook. */
import { appAlive, logTail, slotMarker, startJar, stopApp } from './commands/app.js'
import { finishUpload, prepareRelease, pruneOldest, removeFile, writeFileAtomic } from './commands/files.js'
import { nginxReload, nginxTest, renderInclude } from './commands/nginx.js'
import { DeployError } from './errors.js'
import { sleep, waitHealthy, type HealthAttempt, type HealthResult } from './health.js'
import { layoutOf, type Layout } from './layout.js'
import { establishedOn, parseTcpTable, readTcpTables } from './proc-net.js'
import { runChecked, type Remote } from './remote.js'
import { probeServer, readServerState, type Color, type ServerState } from './server-state.js'
import type { Settings } from './settings.js'
import type { Slot } from './slot-plan.js'

export interface LocalArtifact {
  path: string
  sha256: string
  size: number
}

export interface RunInfo {
  actor: string
  runUrl: string
  commit: string
}

export class DeploySteps {
  readonly layout: Layout

  constructor(
    private readonly settings: Settings,
    private readonly remote: Remote,
    private readonly artifact: LocalArtifact
  ) {
    this.layout = layoutOf(settings.remoteDir)
  }

  marker(color: Color): string {
    return slotMarker(this.settings.appName, color)
  }

  async readServer(): Promise<ServerState> {
    const { nginx, remoteDir, runtime, slots } = this.settings
    const output = await runChecked(this.remote, probeServer(nginx.include, remoteDir, runtime.javaCommand[0]))
    return readServerState(output, slots, nginx.template, color => this.marker(color))
  }

  /** Uploads the jar unless the same release is already there; returns a note for the summary. */
  async uploadRelease(): Promise<string> {
    const { layout, artifact } = this
    const jar = layout.jarPath(artifact.sha256)
    const releaseDir = jar.slice(0, jar.lastIndexOf('/'))
    const existing = await runChecked(this.remote, prepareRelease(releaseDir, jar, [layout.slotDir('blue'), layout.slotDir('green')]))
    if (existing.trim() === artifact.sha256) return 'already on the server, not uploaded again'
    const begin = Date.now()
    await this.remote.upload(artifact.path, `${jar}.part`)
    await runChecked(this.remote, finishUpload(`${jar}.part`, jar, artifact.sha256))
    const seconds = Math.max(1, Date.now() - begin) / 1000
    return `${(artifact.size / 1048576).toFixed(1)} MiB in ${seconds.toFixed(2)} s, sha256 verified`
  }

  async stopSlot(color: Color, timeoutMs: number): Promise<string> {
    return (await runChecked(this.remote, stopApp(this.layout.pidFile(color), this.marker(color), timeoutMs))).trim()
  }

  async start(target: Slot, programFound: boolean): Promise<string> {
    const { runtime, env } = this.settings
    if (!programFound) {
      throw new DeployError(`'${runtime.javaCommand[0]}' was not found on the server's PATH for the login user.`, {
        serverState: 'The release was uploaded; nothing else changed and the live version keeps serving.',
        hint: "Install a JRE on the server, or set 'java-command' to the full path of java."
      })
    }
    const launch = {
      slotDir: this.layout.slotDir(target.color), port: target.port, javaCommand: runtime.javaCommand,
      javaOptions: runtime.javaOptions, jarPath: jarPathFromSlot(this.layout.jarPath(this.artifact.sha256)),
      appArgs: runtime.appArgs, marker: this.marker(target.color)
    }
    const pid = (await runChecked(this.remote, startJar(launch, env))).trim()
    return `PID ${pid}`
  }

  async healthCheck(target: Slot, onAttempt: (attempt: HealthAttempt) => void): Promise<HealthResult> {
    const tunnel = await this.remote.openTunnel(target.port)
    try {
      return await waitHealthy({
        baseUrl: `http://127.0.0.1:${tunnel.localPort}`,
        settings: this.settings.health,
        requiredSuccesses: this.settings.health.checksRequired,
        isAlive: async () => (await runChecked(this.remote, appAlive(this.layout.pidFile(target.color), this.marker(target.color)))).trim() === 'alive',
        onAttempt
      })
    } finally {
      await tunnel.close()
    }
  }

  async logTail(color: Color): Promise<string> {
    const result = await this.remote.exec(logTail(this.layout.logFile(color), 60))
    return result.code === 0 ? result.stdout : ''
  }

  /** Writes the include, runs the nginx test and reloads. The caller restores the include on failure. */
  async switchNginx(target: Slot, sudo: boolean): Promise<void> {
    const { nginx } = this.settings
    await runChecked(this.remote, writeFileAtomic(nginx.include, renderInclude(nginx.template, target.port), sudo, 'write nginx include'))
    await runChecked(this.remote, nginxTest(nginx.testCommand, sudo))
    await runChecked(this.remote, nginxReload(nginx.reloadCommand, sudo))
  }

  /** Puts the include back as it was (or removes it if there was none) and reloads nginx. */
  async restoreNginx(previousText: string | null, sudo: boolean): Promise<void> {
    const { nginx } = this.settings
    const restore = previousText === null
      ? removeFile(nginx.include, sudo)
      : writeFileAtomic(nginx.include, previousText, sudo, 'restore nginx include')
    await runChecked(this.remote, restore)
    await runChecked(this.remote, nginxTest(nginx.testCommand, sudo))
    await runChecked(this.remote, nginxReload(nginx.reloadCommand, sudo))
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
        isAlive: async () => true
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

  /** Waits until the old version has no open connections, up to drain-timeout. */
  async drain(old: Slot): Promise<string> {
    const begin = Date.now()
    const deadline = begin + this.settings.drainTimeoutMs
    for (;;) {
      const open = establishedOn(parseTcpTable(await runChecked(this.remote, readTcpTables())), old.port)
      if (open === 0) return `no open connections after ${Date.now() - begin} ms`
      if (Date.now() >= deadline) return `gave up after ${Date.now() - begin} ms with ${open} connection(s) still open`
      await sleep(200)
    }
  }

  async recordState(state: object): Promise<void> {
    await runChecked(this.remote, writeFileAtomic(this.layout.stateFile, JSON.stringify(state, null, 2) + '\n', false, 'record state'))
  }

  async pruneReleases(protectedShas: string[]): Promise<string> {
    const names = protectedShas.map(sha => this.layout.releaseName(sha))
    const removed = (await runChecked(this.remote, pruneOldest(this.layout.releasesDir, this.settings.keepReleases, names))).trim()
    return removed ? `removed ${removed.split('\n').length} old release(s)` : ''
  }
}

/** The app runs with its slot directory as working directory, so a relative jar path needs adjusting. */
function jarPathFromSlot(jarPath: string): string {
  return jarPath.startsWith('/') ? jarPath : `../../${jarPath.split('/').slice(-3).join('/')}`
}
