/** Turns every action input into one typed, validated Settings object. Nothing else reads inputs. */
import { readConnection, type ConnectionSettings } from './connection.js'
import { InputError } from '../errors.js'
import type { Slots } from '../server/slots.js'
import { readPreview, type PreviewSettings } from './preview.js'
import {
  parseChoice,
  parseCommand,
  parseDuration,
  parseEnv,
  parseImageRef,
  parseInteger,
  parsePort,
  parseProgram,
  parseRemotePath,
  parseRunArgs,
  parseWords
} from './inputs.js'

export type InputReader = (name: string) => string
export type { ConnectionSettings }

export type { Slots }

export interface HealthSettings {
  path: string
  /** Consecutive healthy answers needed before the switch. */
  checksRequired: number
  timeoutMs: number
  intervalMs: number
  expectStatus: number
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
  connection: ConnectionSettings
  appName: string
  remoteDir: string
  artifact: ArtifactSettings
  slots: Slots
  env: [string, string][]
  jarRuntime: JarSettings
  image: ImageSettings
  health: HealthSettings
  nginx: NginxSettings
  drainTimeoutMs: number
  stopTimeoutMs: number
  /** How long to wait for another deploy of this app to finish. */
  lockTimeoutMs: number
  keepReleases: number
  preview: PreviewSettings
  /** Strings that must never appear in logs, outputs or the summary. */
  secrets: string[]
}

const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/

export const DEFAULT_TEMPLATE = 'set $service_url http://127.0.0.1:{port};'

/** Reads every input. `repository` is `owner/name` of the workflow's repository (for the app-name default). */
/** `prNumber`: the pull request of the triggering event, if any (the default of `pr-number`). */
export function readSettings(read: InputReader, repository = '', prNumber?: number): Settings {
  const input = (name: string, fallback = ''): string => read(name).trim() || fallback
  const appName = input('app-name', repository.split('/')[1] ?? '')
  if (!APP_NAME.test(appName)) {
    throw new InputError('app-name', appName, 'letters, digits, ".", "_" or "-", starting with a letter or digit, at most 63 characters')
  }
  const command = parseChoice('command', input('command', 'deploy'), COMMANDS)
  const connection = readConnection(input, read)
  const env = parseEnv('env', read('env'))
  const health = readHealth(input)
  const slots = readSlots(input('ports', '8080,8081'))
  const preview = readPreview(input, read, slots, prNumber)
  return {
    command,
    release: readReleaseSelector(input('release')),
    keepPreviousMs: parseDuration('keep-previous', input('keep-previous', '0')),
    connection,
    appName,
    remoteDir: parseRemotePath('remote-dir', input('remote-dir', `bluegreen/${appName}`)),
    artifact: readArtifact(input('jar'), input('image'), command),
    slots,
    env,
    jarRuntime: {
      javaCommand: parseProgram('java-command', input('java-command', 'java')),
      javaOptions: parseWords('java-options', input('java-options')),
      appArgs: parseWords('app-args', input('app-args'))
    },
    image: readImage(input, read),
    health,
    nginx: readNginx(input),
    drainTimeoutMs: parseDuration('drain-timeout', input('drain-timeout', '30s')),
    stopTimeoutMs: parseDuration('stop-timeout', input('stop-timeout', '30s')),
    lockTimeoutMs: parseDuration('lock-timeout', input('lock-timeout', '10m')),
    keepReleases: parseInteger('keep-releases', input('keep-releases', '3'), 1, 100),
    preview,
    secrets: [
      read('github-token'),
      connection.privateKey,
      connection.passphrase,
      connection.password,
      connection.proxy?.privateKey,
      read('registry-password'),
      ...[...env, ...preview.env].map(([, value]) => value)
    ].filter((secret): secret is string => !!secret)
  }
}

function readArtifact(jar: string, image: string, command: Command): ArtifactSettings {
  if (jar && image) throw new InputError('image', image, "either 'jar' or 'image', not both")
  if (image) return { kind: 'image', ref: parseImageRef('image', image) }
  if (jar) return { kind: 'jar', pattern: jar }
  if (command !== 'deploy' && command !== 'preview') return { kind: 'none' }
  throw new InputError('jar', '', "a path or glob of the jar to deploy (such as build/libs/*.jar), or set 'image'")
}

function readReleaseSelector(value: string): string {
  if (value && !/^(sha256:)?[A-Za-z0-9_.-]{1,128}$/.test(value)) {
    throw new InputError('release', value, 'a sha256 (or its first characters), an image digest sha256:..., or an image tag')
  }
  return value
}

function readImage(input: (name: string, fallback?: string) => string, read: InputReader): ImageSettings {
  const registry = input('registry')
  if (registry && !/^[A-Za-z0-9.-]+(:\d+)?$/.test(registry))
    throw new InputError('registry', registry, 'a registry host such as ghcr.io or registry.example.com:5000')
  const registryUsername = input('registry-username')
  const registryPassword = read('registry-password')
  if (!!registryUsername !== !!registryPassword) {
    throw new InputError(
      registryUsername ? 'registry-password' : 'registry-username',
      '',
      "both 'registry-username' and 'registry-password', or neither"
    )
  }
  return {
    appPort: parsePort('app-port', input('app-port', '8080')),
    registry,
    registryUsername,
    registryPassword,
    dockerCommand: parseProgram('docker-command', input('docker-command', 'docker')),
    runArgs: parseRunArgs('docker-run-args', input('docker-run-args')),
    keepImages: parseInteger('keep-images', input('keep-images', '3'), 1, 100)
  }
}

function readSlots(value: string): Slots {
  const parts = value.split(',').map(part => part.trim())
  if (parts.length !== 2) throw new InputError('ports', value, 'two ports separated by a comma, blue first: 8080,8081')
  const [blue, green] = parts.map(part => parsePort('ports', part))
  if (blue === green) throw new InputError('ports', value, 'two different ports')
  return { blue, green }
}

function readHealth(input: (name: string, fallback?: string) => string): HealthSettings {
  const path = input('health-path', '/actuator/health')
  if (!/^\/[\x21-\x7e]*$/.test(path)) throw new InputError('health-path', path, 'a URL path starting with /')
  const intervalMs = parseDuration('health-interval', input('health-interval', '500ms'))
  if (intervalMs < 50) throw new InputError('health-interval', input('health-interval'), 'at least 50ms')
  return {
    path,
    checksRequired: parseInteger('health-checks-required', input('health-checks-required', '1'), 1, 100),
    timeoutMs: parseDuration('health-timeout', input('health-timeout', '60s')),
    intervalMs,
    expectStatus: parseInteger('health-expect-status', input('health-expect-status', '200'), 100, 599)
  }
}

function readNginx(input: (name: string, fallback?: string) => string): NginxSettings {
  const template = input('nginx-include-template', DEFAULT_TEMPLATE)
  if (!template.includes('{port}')) {
    throw new InputError('nginx-include-template', template, 'nginx text containing {port}, such as ' + DEFAULT_TEMPLATE)
  }
  return {
    include: parseRemotePath('nginx-include', input('nginx-include', '/etc/nginx/conf.d/service-url.inc')),
    template,
    testCommand: parseCommand('nginx-test-command', input('nginx-test-command', 'nginx -t')),
    reloadCommand: parseCommand('nginx-reload-command', input('nginx-reload-command', 'nginx -s reload')),
    sudo: parseChoice('sudo', input('sudo', 'auto'), ['auto', 'true', 'false'] as const),
    verify: readVerify(input('verify-url', 'auto'))
  }
}

const VERIFY_URL = /^https?:\/\/([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?\/[\x21-\x7e]*$/

function readVerify(value: string): VerifySetting {
  if (value === 'auto') return { kind: 'auto' }
  if (value === 'false') return { kind: 'off' }
  if (!VERIFY_URL.test(value) || !URL.canParse(value)) {
    throw new InputError(
      'verify-url',
      value,
      "'auto', 'false', or an http:// or https:// URL with a path, such as https://shop.example.com/actuator/health"
    )
  }
  return { kind: 'url', url: value }
}
