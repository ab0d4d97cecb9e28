/** Where things live under `remote-dir` on the server. */
import type { Color } from './slots.js'

export interface Layout {
  releasesDir: string
  releaseName(sha256: string): string
  jarPath(sha256: string): string
  slotDir(color: Color): string
  pidFile(color: Color): string
  logFile(color: Color): string
  stateFile: string
  historyFile: string
  /** Image mode: the images this instance pulled, newest first; only this instance prunes them. */
  imagesFile: string
  /** PID of the keep-previous timer that will stop this slot's old version. */
  timerFile(color: Color): string
}

export function layoutOf(remoteDir: string): Layout {
  const releaseName = (sha256: string): string => sha256.slice(0, 16)
  const slotDir = (color: Color): string => `${remoteDir}/slots/${color}`
  return {
    releasesDir: `${remoteDir}/releases`,
    releaseName,
    jarPath: sha256 => `${remoteDir}/releases/${releaseName(sha256)}/app.jar`,
    slotDir,
    pidFile: color => `${slotDir(color)}/app.pid`,
    logFile: color => `${slotDir(color)}/app.log`,
    stateFile: `${remoteDir}/state.json`,
    historyFile: `${remoteDir}/history.jsonl`,
    imagesFile: `${remoteDir}/images.list`,
    timerFile: color => `${slotDir(color)}/keep-timer.pid`
  }
}
