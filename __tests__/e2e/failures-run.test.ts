/**
 * Failure matrix, part 2: what can go wrong with the run itself: the SSH connection drops, the job is
 * cancelled or the runner dies (the post step repairs), two deploys start at once, the host key or the
 * key is wrong. All under load through nginx, and each followed by a deploy that must succeed.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { startLab } from '../../lab/lab.mjs'
import { runAction } from '../../lab/run-action.mjs'
import { errorOf, failureLab, type FailureLab } from '../support/failure-lab.js'
import { onLine } from '../support/in-flight.js'

let f: FailureLab

beforeAll(async () => {
  f = failureLab(await startLab({ name: 'failures-run' }), 'matrix')
  expect((await f.underLoad(await f.inputs('v0'))).run.outputs.result).toBe('deployed')
})
afterAll(() => f?.lab.stop())

/** PIDs of the sshd processes serving connections (children of the listener), to cut them. */
function sshSessions(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(f.lab.pids.sshd)], { encoding: 'utf8' })
  return out.split('\n').map(Number).filter(Boolean)
}

const slowBoot = { env: 'BOOT_DELAY_MS=4000\nGRACEFUL=false' }

describe('failure matrix: the run and the connection', () => {
  it('SSH connection killed mid-health-check', async () => {
    const cut = () => sshSessions().forEach(pid => process.kill(pid, 'SIGKILL'))
    const { run, failed } = await f.underLoad(await f.inputs('v1', slowBoot), { interrupt: { when: /::group::Health check/, run: cut } })
    expect(failed).toEqual([])
    expect(run.outputs.result).toBe('failed')
    expect(errorOf(run)).toMatch(/Lost the SSH connection|SSH connection was closed|not connected/i)
    expect(await f.servedVersion()).toBe(f.live)
    // The post step finds the half-started version and stops it; the include was never touched.
    const post = await runAction(await f.inputs('v1'), { state: run.state })
    expect(post.summary).toMatch(/Repaired matrix/)
    expect(post.summary).toMatch(/Stop new version \(\w+\)<\/td><td>✅ ok<\/td><td>[^<]*<\/td><td>stopped/)
    await f.recovers('v1')
  })

  it('job cancelled mid-deploy (SIGINT): stops at a safe point and rolls back itself', async () => {
    const { run, failed } = await f.underLoad(await f.inputs('v2', slowBoot), {
      interrupt: { when: /::group::Health check/, signal: 'SIGINT' }
    })
    expect(failed).toEqual([])
    expect(run.stdout).toMatch(/::warning::Received SIGINT: stopping at the next safe point/)
    expect(errorOf(run)).toMatch(/did not become healthy: the run was cancelled/)
    expect(errorOf(run)).toMatch(/the new version on \w+ :\d+ was stopped/)
    expect(JSON.parse(run.state.repair)).toEqual({ phase: 'done' })
    const post = await runAction(await f.inputs('v2'), { state: run.state })
    expect(post.code).toBe(0)
    expect(post.summary).toBe('') // nothing to repair
    await f.recovers('v2')
  })

  it('runner dies after nginx was switched but before verification: the post step switches back', async () => {
    const before = await f.includeText()
    // A slow verification URL keeps the run inside the window when the kill lands, however busy the machine.
    const slowVerify = { 'verify-url': `http://127.0.0.1:${f.lab.nginxPort}/slow?ms=3000` }
    const { run, failed } = await f.underLoad(await f.inputs('v3', slowVerify), {
      interrupt: { when: /::group::Verify through nginx/, signal: 'SIGKILL' }
    })
    expect(run.signal).toBe('SIGKILL')
    expect(failed).toEqual([])
    expect(JSON.parse(run.state.repair)).toMatchObject({ phase: 'started', includeBefore: before })
    const post = await runAction(await f.inputs('v3'), { state: run.state })
    expect(post.code).toBe(0)
    expect(post.summary).toMatch(/the nginx include was restored and nginx reloaded/)
    expect(await f.includeText()).toBe(before)
    expect(await f.servedVersion()).toBe(f.live)
    await f.recovers('v3')
  })

  it('two deploys started at once: the second waits for the lock, then reports who holds it', async () => {
    const firstLocked = onLine(/✓ Take deploy lock/)
    const first = f.underLoad(await f.inputs('v4', slowBoot), firstLocked.options)
    await firstLocked.reached
    const second = await runAction(await f.inputs('v5', { 'lock-timeout': '1s' }), {
      extraEnv: { GITHUB_ACTOR: 'hubot', GITHUB_RUN_ID: '43' }
    })
    expect(errorOf(second)).toMatch(
      /Another deploy of matrix holds the lock on the server: https:\/\/github.com\/acme\/shop\/actions\/runs\/42 by octocat since \d{4}-/
    )
    expect(errorOf(second)).toMatch(/Nothing was changed by this run/)
    const { run, failed } = await first
    expect(run.outputs.result).toBe('deployed')
    expect(failed).toEqual([])
    f.live = 'v4'
    // With time to wait, a queued deploy goes through once the lock is free.
    const waitingLocked = onLine(/✓ Take deploy lock/)
    const waiting = f.underLoad(await f.inputs('v5', slowBoot), waitingLocked.options)
    await waitingLocked.reached
    const queued = await runAction(await f.inputs('v6', { 'lock-timeout': '60s' }))
    expect((await waiting).run.outputs.result).toBe('deployed')
    expect(queued.outputs.result).toBe('deployed')
    expect(await f.servedVersion()).toBe('v6')
    f.live = 'v6'
  })

  it('wrong host fingerprint: refused before any credential is sent', async () => {
    const accepted = () =>
      readFileSync(f.lab.sshdLog, 'utf8')
        .split('\n')
        .filter(line => line.includes('Accepted ')).length
    const before = accepted()
    const { run, failed } = await f.underLoad(await f.inputs('v7', { 'host-fingerprint': 'SHA256:' + 'B'.repeat(43) }))
    expect(failed).toEqual([])
    expect(errorOf(run)).toMatch(
      /Refused to log in to the server bgdeploy@127.0.0.1:\d+: the server presented host key SHA256:\S+, which matches neither/
    )
    expect(accepted()).toBe(before)
  })

  it('wrong key: names the methods the server refused', async () => {
    const { run, failed } = await f.underLoad(await f.inputs('v7', { 'private-key': '', password: 'not-the-password' }))
    expect(failed).toEqual([])
    expect(errorOf(run)).toMatch(/The server bgdeploy@127.0.0.1:\d+ refused the login \(tried password\)/)
    await f.recovers('v7')
  })
})
