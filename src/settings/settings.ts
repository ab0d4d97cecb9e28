/** Turns every action input into one typed, validated Settings object. Nothing else reads inputs. */
import { readConnection } from './connection.js'
import { readFleet, refuseOutsideOneServer } from './fleet.js'
import { readHooks } from './hooks.js'
import { InputError } from '../errors.js'
import { readHealth } from './health.js'
import { checkPlaceholders, readSlots } from './ports.js'
import { readPreview } from './preview.js'
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
import {
  COMMANDS,
  type ArtifactSettings,
  type Command,
  type ImageSettings,
  type NginxSettings,
  type Settings,
  type Slots,
  type VerifySetting
} from './types.js'

export * from './types.js'

const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/

export const DEFAULT_TEMPLATE = 'set $service_url http://127.0.0.1:{port};'
const TEMPLATE_WITH_MANAGEMENT = `${DEFAULT_TEMPLATE}\nset $service_monitoring_url http://127.0.0.1:{management-port};`

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
  const slots = readSlots(input('ports', '8080,8081'), input('management-ports'))
  if (command === 'preview' && slots.management)
    throw new InputError('management-ports', input('management-ports'), "empty for 'command: preview' (a preview has one port per slot)")
  const env = parseEnv('env', read('env'))
  env.forEach(([key, value]) => checkPlaceholders('env', value, slots, `${key}=...`))
  const health = readHealth(input, slots)
  const preview = readPreview(input, read, slots, prNumber)
  preview.env.forEach(([key, value]) => checkPlaceholders('preview-env', value, { blue: slots.blue, green: slots.green }, `${key}=...`))
  const settings: Settings = {
    command,
    release: readReleaseSelector(input('release')),
    keepPreviousMs: parseDuration('keep-previous', input('keep-previous', '0')),
    connection,
    fleet: readFleet(input, read, connection, appName),
    appName,
    remoteDir: parseRemotePath('remote-dir', input('remote-dir', `bluegreen/${appName}`)),
    artifact: readArtifact(input('jar'), input('image'), command),
    slots,
    env,
    jarRuntime: {
      javaCommand: parseProgram('java-command', input('java-command', 'java')),
      javaOptions: withPlaceholders('java-options', parseWords('java-options', input('java-options')), slots),
      appArgs: withPlaceholders('app-args', parseWords('app-args', input('app-args')), slots)
    },
    image: readImage(input, read, slots),
    health,
    nginx: readNginx(input, slots),
    hooks: readHooks(input),
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
      read('nginx-private-key').trim(),
      read('registry-password'),
      ...[...env, ...preview.env].map(([, value]) => value).filter(value => !PLAIN_FLAG_OR_NUMBER.test(value))
    ].filter((secret): secret is string => !!secret)
  }
  refuseOutsideOneServer(settings)
  return settings
}

// Masking GRACEFUL=false would turn every 'false' in the log into '***'; a flag or a number hides nothing.
const PLAIN_FLAG_OR_NUMBER = /^(true|false|yes|no|on|off|-?\d{1,6})$/i

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

function withPlaceholders(name: string, words: string[], slots: Slots): string[] {
  words.forEach(word => checkPlaceholders(name, word, slots))
  return words
}

function readImage(input: (name: string, fallback?: string) => string, read: InputReader, slots: Slots): ImageSettings {
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
  const managementPort = input('app-management-port')
  if (managementPort && !slots.management) {
    throw new InputError('app-management-port', managementPort, "to be empty while 'management-ports' is empty (set both, or neither)")
  }
  return {
    appPort: parsePort('app-port', input('app-port', '8080')),
    managementPort: parsePort('app-management-port', managementPort || '18080'),
    registry,
    registryUsername,
    registryPassword,
    dockerCommand: parseProgram('docker-command', input('docker-command', 'docker')),
    runArgs: withPlaceholders('docker-run-args', parseRunArgs('docker-run-args', input('docker-run-args')), slots),
    keepImages: parseInteger('keep-images', input('keep-images', '3'), 1, 100)
  }
}

function readNginx(input: (name: string, fallback?: string) => string, slots: Slots): NginxSettings {
  const template = input('nginx-include-template', DEFAULT_TEMPLATE)
  if (!template.includes('{port}')) {
    throw new InputError('nginx-include-template', template, 'nginx text containing {port}, such as ' + DEFAULT_TEMPLATE)
  }
  if (template.includes('{management-port}') && !slots.management) {
    throw new InputError(
      'nginx-include-template',
      template,
      `{management-port} only together with 'management-ports' (which is empty), such as ${TEMPLATE_WITH_MANAGEMENT}`
    )
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
