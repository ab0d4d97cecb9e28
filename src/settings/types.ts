/**
 * The typed settings, apart from the code that reads them (settings.ts and its parsers), so that the many modules
 * that only need the types stay low in the import graph.
 */
import type { HealthSettings } from '../health/health.js'
import type { Slots } from '../server/slots.js'

export type { HealthSettings, Slots }

export interface HopSettings {
  host: string
  port: number
  username: string
  privateKey?: string
  passphrase?: string
  password?: string
  hostFingerprints: string[]
  knownHosts: string
}

export interface ConnectionSettings extends HopSettings {
  /** Only with insecure-skip-host-key-check: true. */
  skipHostKeyCheck: boolean
  connectTimeoutMs: number
  /** A bastion to connect through; its host key is checked like the server's. */
  proxy?: HopSettings
}

/** One app host: where to connect (host input) and how nginx reaches it (app-address). */
export interface AppHostTarget {
  /** As given in 'host', for messages and the summary: name or name:port. */
  label: string
  host: string
  port: number
  /** {address} in the upstream template. */
  address: string
}

export const STRATEGIES = ['blue-green', 'rolling', 'canary'] as const

export type StrategyName = (typeof STRATEGIES)[number]

export interface CanarySettings {
  /** Traffic shares in percent, rising, the last 100. */
  steps: number[]
  intervalMs: number
  /** 0..1: the canary fails a step when more of its requests than this fail. */
  maxErrorRate: number
  /** The canary fails a step when its p95 latency is above this many times the stable version's... */
  maxLatencyRatio: number
  /** ...and more than this many ms above it (so that millisecond noise on an idle app fails nothing). */
  latencyAllowanceMs: number
}

/**
 * Several app hosts, a separate nginx host, or a rolling or canary strategy: the include then holds an nginx
 * upstream block listing every host's live slot. `upstream` null: one server, the include_template style.
 */
export interface FleetSettings {
  appHosts: AppHostTarget[]
  /** The nginx host's connection; null: nginx runs on the app host. */
  nginxHost: ConnectionSettings | null
  upstream: { name: string; serverTemplate: string } | null
  strategy: StrategyName
  rollingBatch: number
  canary: CanarySettings
}

export interface HookSettings {
  /** Run after the new version is healthy, before nginx switches to it; empty: no hook. A failure rolls back. */
  beforeSwitch: string[]
  /** Run last, once traffic has moved and the state is recorded; empty: no hook. A failure undoes nothing. */
  afterSwitch: string[]
  /** How long a hook may run before it is stopped and counts as failed. */
  timeoutMs: number
}

export interface PreviewSettings {
  /** The pull request; null outside a pull_request event when pr-number is not given. */
  number: number | null
  ports: { first: number; last: number }
  domain: string
  nginxDir: string
  /** nginx text for one preview: {number}, {domain}, {app} and {port} are filled in. */
  nginxTemplate: string
  urlTemplate: string
  max: number
  evict: boolean
  githubToken: string
  /** The previews' own environment (preview-env); production's env reaches them only with inheritEnv. */
  env: [string, string][]
  inheritEnv: boolean
  /** Deploy pull requests whose head repository is a fork (their code would get the server and preview-env). */
  allowForks: boolean
}

export interface NginxSettings {
  include: string
  template: string
  testCommand: string[]
  reloadCommand: string[]
  sudo: 'auto' | 'true' | 'false'
  /** The check through nginx after the reload: through the server blocks that include the include, a URL, or none. */
  verify: VerifySetting
}

export type VerifySetting = { kind: 'auto' } | { kind: 'off' } | { kind: 'url'; url: string }

export interface JarSettings {
  javaCommand: string[]
  javaOptions: string[]
  appArgs: string[]
}

export interface ImageSettings {
  /** The port the app listens on inside the container. */
  appPort: number
  /** The container's management port (app-management-port), published on the slot's management port. */
  managementPort: number
  registry: string
  registryUsername: string
  registryPassword: string
  dockerCommand: string[]
  runArgs: string[]
  keepImages: number
}

/**
 * Exactly one of a jar (path or glob on the runner) or an image reference for `deploy`; for the other
 * commands both are optional, since the server's state names what runs.
 */
export type ArtifactSettings = { kind: 'jar'; pattern: string } | { kind: 'image'; ref: string } | { kind: 'none' }

export const COMMANDS = ['deploy', 'rollback', 'redeploy', 'status', 'preview', 'preview-destroy'] as const

export type Command = (typeof COMMANDS)[number]

export interface Settings {
  command: Command
  /** rollback: which kept release to go back to (sha256, digest or tag prefix); empty: the previous one. */
  release: string
  /** How long the old version keeps running after a switch, so a rollback is instant; 0: stop it at once. */
  keepPreviousMs: number
  /** The first app host's connection (the only one on one server). */
  connection: ConnectionSettings
  fleet: FleetSettings
  appName: string
  remoteDir: string
  artifact: ArtifactSettings
  slots: Slots
  env: [string, string][]
  jarRuntime: JarSettings
  image: ImageSettings
  health: HealthSettings
  nginx: NginxSettings
  hooks: HookSettings
  drainTimeoutMs: number
  stopTimeoutMs: number
  /** How long to wait for another deploy of this app to finish. */
  lockTimeoutMs: number
  keepReleases: number
  preview: PreviewSettings
  /** Strings that must never appear in logs, outputs or the summary. */
  secrets: string[]
}
