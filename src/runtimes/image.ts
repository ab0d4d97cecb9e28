/** Image mode: pull the image, run one container per slot, find them by name and label. */
import {
  LABEL_APP,
  LABEL_DEPLOYED_AT,
  LABEL_RELEASE,
  LABEL_RUN,
  LABEL_SLOT,
  containerId,
  imageExists,
  imageInfo,
  inspectContainers,
  listImages,
  login,
  logout,
  logs,
  pull,
  remove,
  runContainer,
  stop,
  stopIfSame
} from '../commands/docker.js'
import { prepareSlotDir } from '../commands/files.js'
import { DeployError, RemoteCommandError } from '../errors.js'
import { layoutOf } from '../server/layout.js'
import { pullProgress } from '../report/pull-progress.js'
import { logInfo } from '../report/safe-text.js'
import { runChecked, type Remote, type RemoteCommand } from '../ssh/remote.js'
import { COLORS, type Color } from '../server/slots.js'
import type { ImageSettings, Settings } from '../settings/types.js'
import type { Slot } from '../server/slots.js'
import { digestOf, registryOf, repositoryOf } from './image-ref.js'
import { pruneOwnImages, recordOwnImage } from './image-prune.js'
import type { AppRuntime, KeptRelease } from './runtime.js'

export { digestOf, registryOf, repositoryOf }

interface ContainerState {
  status: string
  running: boolean
  exitCode: string
  app: string
  run: string
}

export class ImageRuntime implements AppRuntime {
  readonly mode = 'image'
  readonly program: string
  readonly prepareStep = 'Pull image'
  readonly programInput = 'docker-command'
  release = ''
  private imageId = ''
  private readonly image: ImageSettings
  private readonly docker: string[]

  /** `source`: the reference to pull, or a repository@digest of an image kept on the server. */
  constructor(
    private readonly settings: Settings,
    private readonly remote: Remote,
    private readonly source: string
  ) {
    this.image = settings.image
    this.docker = settings.image.dockerCommand
    this.program = this.docker[0] === 'sudo' ? (this.docker.find((word, i) => i > 0 && !word.startsWith('-')) ?? 'sudo') : this.docker[0]
  }

  /** repository@digest of the release once prepared: what state and history record. */
  get ref(): string {
    return this.release.startsWith('sha256:') ? `${repositoryOf(this.source)}@${this.release}` : this.source
  }

  /** Logs in (when credentials are given), pulls, logs out. Nothing that runs is touched. */
  async prepare(): Promise<string> {
    if (/@sha256:/.test(this.source) && (await this.remote.exec(imageExists(this.docker, this.source))).code === 0) {
      await this.inspectImage()
      return `${this.source} is kept on the server, not pulled again`
    }
    const { registryUsername, registryPassword } = this.image
    const registry = this.image.registry || registryOf(this.source)
    if (registryUsername) await runChecked(this.remote, login(this.docker, registry, registryUsername, registryPassword))
    try {
      const progress = pullProgress(this.source, logInfo)
      const result = await this.remote.exec(pull(this.docker, this.source), progress.output).finally(progress.stop)
      if (result.code !== 0) {
        throw new DeployError(`Could not pull ${this.source}: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ')}`, {
          serverState: 'Nothing was changed on the server; the live version keeps serving.',
          hint: "Check that the image and tag exist and that 'registry-username'/'registry-password' may read it."
        })
      }
    } finally {
      if (registryUsername) await this.remote.exec(logout(this.docker, registry))
    }
    await this.inspectImage()
    return `${this.source} → ${this.release}`
  }

  /** Reads the image ID and digest, and records the image as one this instance pulled. */
  private async inspectImage(): Promise<void> {
    const [id, digestsJson] = (await runChecked(this.remote, imageInfo(this.docker, this.source))).trim().split(' ')
    this.imageId = id
    this.release = digestOf(this.source, JSON.parse(digestsJson || '[]') as string[]) || id
    await recordOwnImage(this.remote, this.settings.remoteDir, this.ref)
  }

  async ourSlots(): Promise<Record<Color, boolean>> {
    const states = await this.containers()
    const ours = (color: Color): boolean => !!states[color]?.running && states[color]?.app === this.settings.appName
    return { blue: ours('blue'), green: ours('green') }
  }

  async start(target: Slot, runToken: string): Promise<string> {
    const name = this.containerName(target.color)
    const existing = (await this.containers())[target.color]
    if (existing && existing.app !== this.settings.appName) {
      throw new DeployError(
        `A container named ${name} exists that this action did not create (no ${LABEL_APP}=${this.settings.appName} label).`,
        {
          serverState: 'Nothing was changed on the server; the live version keeps serving.',
          hint: `Remove or rename that container, or choose another 'app-name'.`
        }
      )
    }
    if (existing) await runChecked(this.remote, remove(this.docker, name))
    const launch = {
      name,
      labels: {
        [LABEL_APP]: this.settings.appName,
        [LABEL_SLOT]: target.color,
        [LABEL_RELEASE]: this.release,
        [LABEL_DEPLOYED_AT]: new Date().toISOString(),
        [LABEL_RUN]: runToken
      },
      hostPort: target.port,
      appPort: this.image.appPort,
      ...(target.managementPort === undefined
        ? {}
        : { management: { hostPort: target.managementPort, appPort: this.image.managementPort } }),
      runArgs: this.image.runArgs,
      image: this.imageId
    }
    await runChecked(this.remote, prepareSlotDir(layoutOf(this.settings.remoteDir).slotDir(target.color)))
    const id = (await runChecked(this.remote, runContainer(this.docker, launch, this.settings.env))).trim()
    return `container ${name} (${id.slice(0, 12)})`
  }

  async startedBy(color: Color): Promise<string | null> {
    const state = (await this.containers())[color]
    return state?.app === this.settings.appName && state.run ? state.run : null
  }

  async isAlive(color: Color): Promise<boolean> {
    return !!(await this.containers())[color]?.running
  }

  async diagnostics(color: Color): Promise<string> {
    const state = (await this.containers())[color]
    const result = await this.remote.exec(logs(this.docker, this.containerName(color), 60))
    const header = state ? `container ${this.containerName(color)}: ${state.status}, exit code ${state.exitCode}\n` : ''
    return header + `${result.stdout}${result.stderr}`
  }

  async stop(color: Color): Promise<string> {
    const name = this.containerName(color)
    const state = (await this.containers())[color]
    if (!state || state.app !== this.settings.appName) return 'not-running'
    if (state.running) await runChecked(this.remote, stop(this.docker, name, this.settings.stopTimeoutMs))
    await runChecked(this.remote, remove(this.docker, name))
    return state.running ? 'stopped and removed' : 'removed'
  }

  async stopLater(color: Color): Promise<RemoteCommand> {
    const name = this.containerName(color)
    const id = (await runChecked(this.remote, containerId(this.docker, name))).trim()
    return stopIfSame(this.docker, id, name, this.settings.stopTimeoutMs)
  }

  async listReleases(): Promise<KeptRelease[]> {
    const lines = (await runChecked(this.remote, listImages(this.docker, repositoryOf(this.source)))).trim().split('\n').filter(Boolean)
    return lines
      .map(line => {
        const [, digest, tag, ...created] = line.split(' ')
        return { release: digest, label: tag && tag !== '<none>' ? tag : digest.slice(7, 19), created: created.join(' ') }
      })
      .filter(release => release.release.startsWith('sha256:'))
  }

  /** Removes this instance's own images beyond keep-images, never the live or previous one of any instance. */
  async prune(protectedReleases: string[]): Promise<string> {
    const removed = await pruneOwnImages(this.remote, {
      remoteDir: this.settings.remoteDir,
      docker: this.docker,
      keep: this.image.keepImages,
      protectedHere: [...protectedReleases, this.imageId]
    })
    return removed ? `removed ${removed} old image(s)` : ''
  }

  /** Removes every image this instance pulled that no other instance records (a preview being removed). */
  async removeOwnImages(): Promise<number> {
    return pruneOwnImages(this.remote, { remoteDir: this.settings.remoteDir, docker: this.docker, keep: 0, protectedHere: [] })
  }

  private containerName(color: Color): string {
    return `${this.settings.appName}-${color}`
  }

  private async containers(): Promise<Partial<Record<Color, ContainerState>>> {
    const result = await this.remote.exec(
      inspectContainers(
        this.docker,
        COLORS.map(color => this.containerName(color))
      )
    )
    if (result.code !== 0 && !result.stdout.trim() && !/no such (object|container)/i.test(result.stderr)) {
      throw new RemoteCommandError('inspect containers', result.code, result.stderr)
    }
    const states: Partial<Record<Color, ContainerState>> = {}
    for (const line of result.stdout.trim().split('\n').filter(Boolean)) {
      const [name, status, running, exitCode, app, run] = line.split('|')
      const color = COLORS.find(c => name.replace(/^\//, '') === this.containerName(c))
      if (color) states[color] = { status, running: running === 'true', exitCode, app: labelValue(app), run: labelValue(run) }
    }
    return states
  }
}

function labelValue(text: string | undefined): string {
  return !text || text === '<no value>' ? '' : text
}
