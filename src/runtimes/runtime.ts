/** What differs between jar mode and image mode; everything else in the deploy is shared. */
import type { HealthAttempt, HealthResult } from '../health/health.js'
import type { Chunk } from './chunker.js'
import type { Remote, RemoteCommand } from '../ssh/remote.js'
import type { Color } from '../server/slots.js'
import type { Slot } from '../server/slots.js'
import type { Mode } from '../server/record.js'

/** The jar found on the runner, to upload. */
export interface LocalArtifact {
  path: string
  sha256: string
  size: number
  /** Its content-defined chunks, for a delta upload (runtimes/delta.ts): being computed since the jar was found. */
  chunks?: Promise<Chunk[]>
}

/** What the runtime is for: a new local jar or image to deploy, or a release the server already has. */
export type RuntimeSource =
  | { jar: LocalArtifact }
  | { image: string }
  /** A release the server recorded (rollback, redeploy, status, repair); `release` may be unknown (''). */
  | { mode: Mode; release?: string; ref?: string }

/** The app-host role: a runtime on one server, plus what is observed there about its slots. */
export interface AppHost {
  readonly remote: Remote
  readonly runtime: AppRuntime
  healthCheck(target: Slot, onAttempt: (attempt: HealthAttempt) => void, cancelled: AbortSignal, timeoutMs?: number): Promise<HealthResult>
  /** The port the health check asks: the slot's app port, or (health-port: management) its management port. */
  healthPort(slot: Slot): number
  /** Waits until the slot's port has had no connections for a while (up to drain-timeout). Returns a note. */
  drain(slot: Slot, cancelled: AbortSignal): Promise<string>
  /** A kept-previous version is about to be replaced or switched back to: its pending stop must not fire. */
  cancelKeepTimers(): Promise<void>
  /** Leaves the version in `color` running; a timer on the server stops it after keep-previous. */
  stopLater(color: Color): Promise<void>
}

export interface KeptRelease {
  release: string
  /** What a person recognises: the jar's short sha or the image tag. */
  label: string
  created: string
}

export interface AppRuntime {
  readonly mode: 'jar' | 'image'
  /** Image mode: a pullable reference pinned to the release (repository@digest). */
  readonly ref?: string
  /** The program that must exist on the server (java, docker, podman). */
  readonly program: string
  /** Identifies what is deployed: the jar's sha256 or the image digest. Known after prepare(). */
  readonly release: string
  /** The name of the prepare step in the summary ("Upload release", "Pull image"). */
  readonly prepareStep: string
  /** The input that names the program, for error hints. */
  readonly programInput: string
  /** Puts the release on the server (upload, pull) without touching what runs. Returns a note. */
  prepare(): Promise<string>
  /** Jar mode, after prepare(): the bytes sent for the jar (less than its size after a delta upload, 0 if it was there). */
  readonly sentBytes?: number
  /** Which slots hold a running process or container that this action started for this app. */
  ourSlots(): Promise<Record<Color, boolean>>
  /** Starts the new version, marked with the run's token. Returns a note. */
  start(target: Slot, runToken: string): Promise<string>
  /** The token of the run that started what runs in `color` now; null when nothing of ours runs there. */
  startedBy(color: Color): Promise<string | null>
  isAlive(color: Color): Promise<boolean>
  /** Log tail and state of a slot's app, for the summary when something went wrong. */
  diagnostics(color: Color): Promise<string>
  /** Graceful stop (SIGTERM, wait, SIGKILL) and removal. Returns a note. */
  stop(color: Color): Promise<string>
  /** A command that stops the app in `color` later, but only if it is still the same process or container. */
  stopLater(color: Color): Promise<RemoteCommand>
  /** Releases (jars or images) kept on the server, newest first. */
  listReleases(): Promise<KeptRelease[]>
  /** Removes old releases or images, never the protected ones. Returns a note. */
  prune(protectedReleases: string[]): Promise<string>
}
