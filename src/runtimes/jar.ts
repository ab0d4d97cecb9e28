/** Jar mode: upload the jar, run it with java in a slot directory, track it by PID and marker. */
import { appAlive, logTail, readPid, slotMarker, slotRunToken, startJar, stopApp } from '../commands/app.js'
import { freeSpace, listJarReleases, prepareRelease, pruneOldest, removeQuietly } from '../commands/files.js'
import { DeployError, lastLines } from '../errors.js'
import { layoutOf, type Layout } from '../server/layout.js'
import { logInfo } from '../report/safe-text.js'
import { transferProgress } from '../report/transfer-progress.js'
import { runChecked, type Remote, type RemoteCommand } from '../ssh/remote.js'
import { COLORS, type Color } from '../server/slots.js'
import type { Settings } from '../settings/types.js'
import type { Slot } from '../server/slots.js'
import { parsePrepared, ReleaseUpload } from './delta.js'
import type { AppRuntime, KeptRelease, LocalArtifact } from './runtime.js'

export class JarRuntime implements AppRuntime {
  private readonly layout: Layout
  readonly mode = 'jar'
  readonly program: string
  readonly release: string
  readonly prepareStep = 'Upload release'
  readonly programInput = 'java-command'
  sentBytes?: number

  constructor(
    private readonly settings: Settings,
    private readonly remote: Remote,
    private readonly artifact: LocalArtifact
  ) {
    this.layout = layoutOf(settings.remoteDir)
    this.program = settings.jarRuntime.javaCommand[0]
    this.release = artifact.sha256
  }

  /** A runtime for a release already kept on the server (rollback, redeploy), or with none (status, repair). */
  static kept(settings: Settings, remote: Remote, sha256 = ''): JarRuntime {
    return new JarRuntime(settings, remote, { path: '', sha256, size: 0 })
  }

  /** Uploads the jar unless the same release is already there: as a delta on an earlier release when it can. */
  async prepare(): Promise<string> {
    const { artifact } = this
    const upload = artifact.path ? new ReleaseUpload(this.remote, artifact, this.layout) : null
    const prepared = await this.prepareDirectories().catch((error: Error) => {
      upload?.cancel()
      throw error
    })
    if (prepared.existing === artifact.sha256) {
      upload?.cancel()
      this.sentBytes = 0
      return artifact.path ? 'already on the server, not uploaded again' : 'kept on the server'
    }
    if (!upload) throw await this.notKept()
    const note = (await upload.delta(prepared.base)) ?? (await this.uploadWhole(upload))
    this.sentBytes = upload.sentBytes
    return note
  }

  /** Creates the release and slot directories; says whether the jar is there, or what a delta can build on. */
  private async prepareDirectories(): Promise<ReturnType<typeof parsePrepared>> {
    const jar = this.layout.jarPath(this.artifact.sha256)
    const slots = COLORS.map(color => this.layout.slotDir(color))
    return parsePrepared(await runChecked(this.remote, prepareRelease(jar.slice(0, jar.lastIndexOf('/')), jar, slots)))
  }

  private async uploadWhole(upload: ReleaseUpload): Promise<string> {
    const begin = Date.now()
    const progress = transferProgress(this.artifact.size, line => logInfo(`Uploading the jar: ${line}`))
    const received = await upload.full(progress.sent).finally(progress.stop)
    if (received.code !== 0) {
      const why = lastLines(received.stderr || received.stdout, 2) || `exit code ${received.code}`
      await this.uploadFailed(why, `${this.layout.jarPath(this.artifact.sha256)}.part`)
    }
    const seconds = Math.max(1, Date.now() - begin) / 1000
    const sent = `${(this.artifact.size / 1048576).toFixed(1)} MiB in ${seconds.toFixed(2)} s, sha256 verified`
    return `${sent}${upload.fallback}${upload.indexProblem}`
  }

  async ourSlots(): Promise<Record<Color, boolean>> {
    const [blue, green] = await Promise.all([this.isAlive('blue'), this.isAlive('green')])
    return { blue, green }
  }

  async start(target: Slot, runToken: string): Promise<string> {
    const { jarRuntime, env } = this.settings
    const launch = {
      slotDir: this.layout.slotDir(target.color),
      port: target.port,
      managementPort: target.managementPort,
      javaCommand: jarRuntime.javaCommand,
      javaOptions: jarRuntime.javaOptions,
      jarPath: jarPathFromSlot(this.layout.jarPath(this.release)),
      appArgs: jarRuntime.appArgs,
      marker: this.marker(target.color),
      runToken
    }
    const pid = (await runChecked(this.remote, startJar(launch, env))).trim()
    return `PID ${pid}`
  }

  async startedBy(color: Color): Promise<string | null> {
    return (await runChecked(this.remote, slotRunToken(this.layout.pidFile(color), this.marker(color)))).trim() || null
  }

  async isAlive(color: Color): Promise<boolean> {
    return (await runChecked(this.remote, appAlive(this.layout.pidFile(color), this.marker(color)))).trim() === 'alive'
  }

  async diagnostics(color: Color): Promise<string> {
    const result = await this.remote.exec(logTail(this.layout.logFile(color), 60))
    return result.code === 0 ? result.stdout : ''
  }

  async stop(color: Color): Promise<string> {
    return (await runChecked(this.remote, stopApp(this.layout.pidFile(color), this.marker(color), this.settings.stopTimeoutMs))).trim()
  }

  async prune(protectedReleases: string[]): Promise<string> {
    const names = protectedReleases.map(sha => this.layout.releaseName(sha))
    const removed = (await runChecked(this.remote, pruneOldest(this.layout.releasesDir, this.settings.keepReleases, names))).trim()
    return removed ? `removed ${removed.split('\n').length} old release(s)` : ''
  }

  async stopLater(color: Color): Promise<RemoteCommand> {
    const pid = (await runChecked(this.remote, readPid(this.layout.pidFile(color)))).trim()
    return stopApp(this.layout.pidFile(color), this.marker(color), this.settings.stopTimeoutMs, pid || 'none')
  }

  async listReleases(): Promise<KeptRelease[]> {
    const lines = (await runChecked(this.remote, listJarReleases(this.layout.releasesDir))).trim().split('\n').filter(Boolean)
    return lines.map(line => {
      const [release, created] = line.split(' ')
      return { release, label: release.slice(0, 12), created }
    })
  }

  private async notKept(): Promise<DeployError> {
    const kept = (await this.listReleases()).map(r => r.label).join(', ') || 'none'
    return new DeployError(`Release ${this.release.slice(0, 12)} is no longer kept on the server (kept: ${kept}).`, {
      serverState: 'Nothing was changed on the server; the live version keeps serving.',
      hint: "Deploy that jar again with 'command: deploy', or pick a kept release with 'release'."
    })
  }

  /**
   * A cut-short upload says little about why (tee only reports a write error), so the free space is looked up to say
   * whether the disk is full.
   */
  private async uploadFailed(why: string, partPath: string): Promise<never> {
    await this.remote.exec(removeQuietly(partPath))
    const free = await this.remote.exec(freeSpace(this.layout.releasesDir))
    const freeMiB = Number(free.stdout.trim().split('\n').pop()?.split(/\s+/)[3]) / 1024
    const needMiB = this.artifact.size / 1048576
    const full = Number.isFinite(freeMiB) && freeMiB < needMiB * 1.1
    throw new DeployError(
      `Uploading the jar (${needMiB.toFixed(1)} MiB) failed: ` +
        `${why}${full ? `; the server has only ${freeMiB.toFixed(1)} MiB free there` : ''}.`,
      {
        serverState: 'Nothing was changed on the server; the partial upload was removed and the live version keeps serving.',
        hint: full
          ? `Free disk space on the server under ${this.settings.remoteDir}, or lower 'keep-releases'.`
          : 'Check the connection and the permissions of remote-dir, then run again.'
      }
    )
  }

  private marker(color: Color): string {
    return slotMarker(this.settings.appName, color)
  }
}

/** The app runs with its slot directory as working directory, so a relative jar path needs adjusting. */
function jarPathFromSlot(jarPath: string): string {
  return jarPath.startsWith('/') ? jarPath : `../../${jarPath.split('/').slice(-3).join('/')}`
}
