/** Who and what started this run, as the server's lock, history and state.json name it. A leaf: many modules need it. */
export interface RunInfo {
  actor: string
  runUrl: string
  commit: string
  /** Unique to this run: marks what it starts, so a repair never touches another run's version. */
  token: string
}
