// What every benchmark mode shares: its labs, the processes it started (stopped by PID on exit or a
// signal), progress on stderr and the version nginx serves.
import { startLab } from '../lab/lab.mjs'
import { directChildren, signal, sleep } from './util.mjs'

export const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`)

/** @type {Set<import('../lab/lab.mjs').Lab>} */
export const labs = new Set()

/** @type {Set<() => Promise<void>>} */
const cleaners = new Set()

/** Runs `fn` when the benchmark ends or is interrupted, until the returned function removes it. @param {() => Promise<void>} fn */
export function onCleanUp(fn) {
  cleaners.add(fn)
  return () => cleaners.delete(fn)
}

export async function cleanUp() {
  const kids = directChildren()
  kids.forEach(pid => signal(pid, 'SIGTERM'))
  await Promise.allSettled([...labs].map(lab => lab.stop()))
  await Promise.allSettled([...cleaners].map(fn => fn()))
  await sleep(200)
  // Asked again so that a PID freed and reused meanwhile is never hit.
  directChildren()
    .filter(pid => kids.includes(pid))
    .forEach(pid => signal(pid, 'SIGKILL'))
}

export function stopOnSignals() {
  for (const sig of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.once(sig, () => {
      log(`\n${sig}: stopping the labs and every process this benchmark started ...`)
      cleanUp().finally(() => process.exit(130))
    })
  }
}

/**
 * @template T
 * @param {string} name @param {Omit<NonNullable<Parameters<typeof startLab>[0]>, 'name'>} options
 * @param {(lab: import('../lab/lab.mjs').Lab) => Promise<T>} fn
 */
export async function withLab(name, options, fn) {
  const lab = await startLab({ name, ...options })
  labs.add(lab)
  try {
    return await fn(lab)
  } finally {
    await lab.stop()
    labs.delete(lab)
  }
}

/** @param {import('../lab/lab.mjs').Lab} lab */
export async function servedVersion(lab) {
  try {
    const r = await lab.httpGet(`${lab.nginxUrl}/version`, { timeoutMs: 5000 })
    return r.status === 200 ? r.body.trim() : `HTTP ${r.status}`
  } catch (e) {
    return `error: ${/** @type {Error} */ (e).message}`
  }
}
