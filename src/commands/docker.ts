/** Builders for container-engine commands (docker, sudo docker, podman). Pure: they return commands. */
import { fillEnv, fillPorts } from './placeholders.js'
import { script, type RemoteCommand } from './script.js'

export const LABEL_APP = 'bluegreen.app'
export const LABEL_SLOT = 'bluegreen.slot'
export const LABEL_RELEASE = 'bluegreen.release'
export const LABEL_DEPLOYED_AT = 'bluegreen.deployed-at'
/** The run that started the container: a repair touches only what its own run started. */
export const LABEL_RUN = 'bluegreen.run'

const MINUTES = 60_000

export function login(docker: string[], registry: string, username: string, password: string): RemoteCommand {
  return {
    label: 'registry login',
    argv: [...docker, 'login', registry, '--username', username, '--password-stdin'],
    stdin: password,
    timeoutMs: 2 * MINUTES
  }
}

export function logout(docker: string[], registry: string): RemoteCommand {
  return { label: 'registry logout', argv: [...docker, 'logout', registry], timeoutMs: MINUTES }
}

export function pull(docker: string[], ref: string): RemoteCommand {
  return { label: 'pull image', argv: [...docker, 'pull', ref], timeoutMs: 15 * MINUTES }
}

/** Prints `<image id> <repo digests as JSON>`. */
export function imageInfo(docker: string[], ref: string): RemoteCommand {
  return { label: 'inspect image', argv: [...docker, 'image', 'inspect', '--format', '{{.Id}} {{json .RepoDigests}}', ref] }
}

/** One line per existing container: `name|status|running|exit code|app label|run label`. Missing names make it exit 1. */
export function inspectContainers(docker: string[], names: string[]): RemoteCommand {
  const label = (name: string) => `{{index .Config.Labels "${name}"}}`
  const format = `{{.Name}}|{{.State.Status}}|{{.State.Running}}|{{.State.ExitCode}}|${label(LABEL_APP)}|${label(LABEL_RUN)}`
  return { label: 'inspect containers', argv: [...docker, 'container', 'inspect', '--format', format, ...names] }
}

export interface ContainerLaunch {
  name: string
  labels: Record<string, string>
  hostPort: number
  appPort: number
  /** The slot's management port on the host, published to the container's app-management-port. */
  management?: { hostPort: number; appPort: number }
  runArgs: string[]
  image: string
}

/** {port} and {management-port} in docker-run-args are the slot's ports on the host. */
export function runArgv(docker: string[], launch: ContainerLaunch, envFile: string | null): string[] {
  const labels = Object.entries(launch.labels).flatMap(([key, value]) => ['--label', `${key}=${value}`])
  const { management } = launch
  const ports = { port: launch.hostPort, managementPort: management?.hostPort }
  return [
    ...docker,
    'run',
    '--detach',
    '--name',
    launch.name,
    ...labels,
    '--publish',
    `127.0.0.1:${launch.hostPort}:${launch.appPort}`,
    ...(management ? ['--publish', `127.0.0.1:${management.hostPort}:${management.appPort}`] : []),
    ...(envFile ? ['--env-file', envFile] : []),
    ...launch.runArgs.map(word => fillPorts(word, ports)),
    launch.image
  ]
}

// The Docker CLI (and podman) read --env-file on the client, so the KEY=VALUE lines go from stdin
// straight into the API request: nothing on disk, nothing left behind when the run is cut short.
const ENV_FROM_STDIN = '/dev/stdin'

export function runContainer(docker: string[], launch: ContainerLaunch, env: [string, string][]): RemoteCommand {
  const argv = runArgv(docker, launch, env.length ? ENV_FROM_STDIN : null)
  const stdin = fillEnv(env, { port: launch.hostPort, managementPort: launch.management?.hostPort })
    .map(([key, value]) => `${key}=${value}\n`)
    .join('')
  return { label: 'start new version', argv, ...(env.length ? { stdin } : {}), timeoutMs: 2 * MINUTES }
}

export function logs(docker: string[], name: string, lines: number): RemoteCommand {
  return { label: 'read container log', argv: [...docker, 'logs', '--tail', String(lines), name] }
}

export function stop(docker: string[], name: string, timeoutMs: number): RemoteCommand {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000))
  return { label: 'stop container', argv: [...docker, 'stop', '--time', String(seconds), name], timeoutMs: timeoutMs + 2 * MINUTES }
}

export function remove(docker: string[], name: string): RemoteCommand {
  return { label: 'remove container', argv: [...docker, 'rm', '--force', name] }
}

/** Prints `<id> <digest> <tag> <created...>` for every local image of a repository, newest first. */
export function listImages(docker: string[], repository: string): RemoteCommand {
  return {
    label: 'list images',
    argv: [...docker, 'images', '--digests', '--format', '{{.ID}} {{.Digest}} {{.Tag}} {{.CreatedAt}}', repository]
  }
}

export function imageExists(docker: string[], ref: string): RemoteCommand {
  return { label: 'find image', argv: [...docker, 'image', 'inspect', '--format', '{{.Id}}', ref] }
}

export function containerId(docker: string[], name: string): RemoteCommand {
  return { label: 'inspect container', argv: [...docker, 'container', 'inspect', '--format', '{{.Id}}', name] }
}

const STOP_IF_SAME = `id=$1 name=$2 seconds=$3; shift 3
[ "$("$@" container inspect --format '{{.Id}}' "$name" 2>/dev/null)" = "$id" ] || { echo replaced; exit 0; }
"$@" stop --time "$seconds" "$name" > /dev/null && "$@" rm "$name" > /dev/null && echo stopped`

/** Stops and removes a container only if `name` is still the container `id`. */
export function stopIfSame(docker: string[], id: string, name: string, timeoutMs: number): RemoteCommand {
  const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)))
  return { label: 'stop container', argv: script(STOP_IF_SAME, [id, name, seconds, ...docker]), timeoutMs: timeoutMs + 2 * MINUTES }
}

export function removeImage(docker: string[], id: string): RemoteCommand {
  return { label: 'remove old image', argv: [...docker, 'rmi', id] }
}
