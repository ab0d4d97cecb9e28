// Small helpers for the benchmark: child processes tracked by PID, quoting, statistics, summary parsing.
import { spawn } from 'node:child_process'
import fs from 'node:fs'

/** PIDs of the children this process spawned itself and that have not exited yet. */
const children = new Set()

/**
 * Runs a program, never rejecting; kills it by PID after timeoutMs.
 * @param {string} file @param {string[]} args
 * @param {{ input?: string | Buffer, timeoutMs?: number, env?: NodeJS.ProcessEnv }} [opts]
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string, ms: number }>}
 */
export function runCmd(file, args, opts = {}) {
  return new Promise(resolve => {
    const begin = performance.now()
    const child = spawn(file, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] })
    const pid = child.pid
    if (pid) children.add(pid)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', c => (stdout += c))
    child.stderr.on('data', c => (stderr += c))
    child.stdin.on('error', () => {})
    child.stdin.end(opts.input ?? '')
    const timer = setTimeout(() => {
      stderr += `\n(bench: killed after ${opts.timeoutMs} ms)`
      if (pid) signal(pid, 'SIGKILL')
    }, opts.timeoutMs ?? 120_000)
    const done = (/** @type {number | null} */ code) => {
      clearTimeout(timer)
      if (pid) children.delete(pid)
      resolve({ code, stdout, stderr, ms: performance.now() - begin })
    }
    child.on('error', e => {
      stderr += String(e.message)
      done(127)
    })
    child.on('close', code => done(code))
  })
}

/** @param {number} pid @param {NodeJS.Signals} sig */
export function signal(pid, sig) {
  try {
    process.kill(pid, sig)
  } catch {
    /* already gone */
  }
}

/**
 * Every direct child of this process, found through /proc, so the action runs spawned by
 * lab/run-action.mjs are covered too. By PID only.
 */
export function directChildren() {
  const found = new Set(children)
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const m = fs.readFileSync(`/proc/${entry}/status`, 'utf8').match(/^PPid:\s*(\d+)/m)
      if (m && Number(m[1]) === process.pid) found.add(Number(entry))
    } catch {
      /* exited meanwhile */
    }
  }
  return [...found]
}

/** Sockets in the kernel's TCP tables (all states); the lab shares this host's network namespace. */
export function tcpSocketCount() {
  let lines = 0
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      lines += fs
        .readFileSync(f, 'latin1')
        .split('\n')
        .filter(l => /^\s*\d+:/.test(l)).length
    } catch {
      /* no IPv6 */
    }
  }
  return lines
}

/**
 * Counts, every 2 s, the moments when a lab that is not ours or a jest run is running (another test
 * run, in this checkout or a clone): it competes for the CPUs and skews every timing.
 * @param {() => string[]} ourDirs
 */
export function watchForeignLabs(ourDirs) {
  let seen = 0
  /** @type {Set<string>} */
  const names = new Set()
  const timer = setInterval(() => {
    const mine = ourDirs()
    let found = false
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      let args = /** @type {string[]} */ ([])
      try {
        args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      } catch {
        continue
      }
      const config = args.find(a => /\/\.lab\/[^/]+\/sshd_config$/.test(a))
      if (config && !mine.includes(config.slice(0, -'/sshd_config'.length))) {
        found = true
        names.add(config.slice(0, -'/sshd_config'.length))
      }
      const jest = args.find(a => /\/node_modules\/(\.bin\/jest|jest-worker\/)/.test(a))
      if (jest) {
        found = true
        names.add(jest)
      }
    }
    if (found) seen++
  }, 2000)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      return { samples: seen, labs: [...names] }
    }
  }
}

/** Quotes one word for a POSIX shell. @param {string} word */
export const shq = word => `'${String(word).replace(/'/g, `'\\''`)}'`

/** @param {number} ms */
export const sleep = ms => new Promise(r => setTimeout(r, ms))

/** @param {number[]} values */
export function median(values) {
  const v = values.filter(x => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = Math.floor(v.length / 2)
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/** @param {number[]} values */
export const sum = values => values.reduce((a, b) => a + b, 0)

/** formatMs of src/summary.ts, read back: "425 ms", "2.28 s", "12.3 s". @param {string} text */
export function parseDuration(text) {
  const m = text.trim().match(/^([\d.]+)\s*(ms|s)$/)
  if (!m) return null
  return m[2] === 'ms' ? Number(m[1]) : Math.round(Number(m[1]) * 1000)
}

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" }

/**
 * The rows of the job summary's step table.
 * @param {string} html
 * @returns {{ name: string, result: string, ms: number | null, note: string }[]}
 */
export function summarySteps(html) {
  const table = [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map(m => m[1]).find(t => t.includes('<th>Step</th>'))
  if (!table) return []
  const unescape = (/** @type {string} */ s) =>
    s.replace(/&(amp|lt|gt|quot|#39);/g, e => ENTITIES[/** @type {keyof typeof ENTITIES} */ (e)])
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
    .map(row => [...row[1].matchAll(/<td>([\s\S]*?)<\/td>/g)].map(c => unescape(c[1])))
    .filter(cells => cells.length === 4)
    .map(([name, result, duration, note]) => ({ name, result, ms: parseDuration(duration), note }))
}

/** Duration of the first step whose name starts with prefix. @param {ReturnType<typeof summarySteps>} steps @param {string} prefix */
export function stepMs(steps, prefix) {
  return steps.find(s => s.name.startsWith(prefix))?.ms ?? null
}
