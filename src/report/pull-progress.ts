/**
 * An image pull's progress from the engine's output. Without a terminal, `docker pull` prints one line per
 * layer status change ("4f4fb700ef54: Download complete") and no byte counts; podman prints "Copying blob
 * sha256:..." per layer on stderr. Every few seconds the layers are counted by where they stand.
 */
import { formatDuration, PROGRESS_EVERY_MS, systemClock, type ProgressClock } from './transfer-progress.js'

export interface PullState {
  /** Each layer's latest status, by its short ID. */
  layers: Map<string, string>
  /** The latest line that is not a layer's (such as "Writing manifest to image destination"). */
  last: string
}

const DOCKER_LAYER = /^([0-9a-f]{12}): (.+)$/
const PODMAN_BLOB = /^Copying blob (?:sha256:)?([0-9a-f]{12})[0-9a-f]*\s*(.*)$/
// podman copies the config after every layer.
const PODMAN_LAYERS_DONE = /^(Copying config|Writing manifest|Storing signatures)/
const DONE = /^(Pull complete|Already exists|done|skipped)/i
const DOWNLOADED = /^(Download complete|Verifying Checksum|Extracting)/

export function newPullState(): PullState {
  return { layers: new Map(), last: '' }
}

export function readPullLine(state: PullState, line: string): void {
  const text = line.trim()
  const layer = DOCKER_LAYER.exec(text) ?? PODMAN_BLOB.exec(text)
  if (layer) state.layers.set(layer[1], layer[2] || 'copying')
  else if (text) state.last = text.slice(0, 200)
  if (PODMAN_LAYERS_DONE.test(text)) state.layers.forEach((status, id) => status === 'copying' && state.layers.set(id, 'done'))
}

/** "3 of 7 layers done, 2 downloaded, 2 in progress", or the latest line while no layer is known. */
export function summarizePull(state: PullState): string {
  const statuses = [...state.layers.values()]
  if (statuses.length === 0) return state.last || 'no output yet'
  const done = statuses.filter(status => DONE.test(status)).length
  const downloaded = statuses.filter(status => DOWNLOADED.test(status)).length
  const parts = [`${done} of ${statuses.length} layers done`]
  if (downloaded > 0) parts.push(`${downloaded} downloaded`)
  if (statuses.length - done - downloaded > 0) parts.push(`${statuses.length - done - downloaded} in progress`)
  return parts.join(', ')
}

export interface PullProgress {
  /** A piece of the pull's output, from stdout or stderr. */
  output(text: string, stream: 'stdout' | 'stderr'): void
  stop(): void
}

/** Logs "Pulling <ref> (15 s): <summary>" every PROGRESS_EVERY_MS until stopped. */
export function pullProgress(ref: string, log: (line: string) => void, clock: ProgressClock = systemClock): PullProgress {
  const begin = clock.now()
  const state = newPullState()
  const partial = { stdout: '', stderr: '' }
  const stop = clock.every(PROGRESS_EVERY_MS, () => log(`Pulling ${ref} (${formatDuration(clock.now() - begin)}): ${summarizePull(state)}`))
  return {
    output: (text, stream) => {
      const lines = (partial[stream] + text).split(/\r\n|\r|\n/)
      partial[stream] = lines.pop() ?? ''
      lines.forEach(line => readPullLine(state, line))
    },
    stop
  }
}
