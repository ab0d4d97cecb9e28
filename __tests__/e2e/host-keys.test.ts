/**
 * Host keys against the lab's real sshd, which has three (ed25519, ECDSA, RSA) like a stock OpenSSH
 * server: any one of them pinned or listed is enough, and a revoked one is refused whatever else trusts it.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction, type ActionRun } from '../../lab/run-action.mjs'
import { errorOf } from '../support/failure-lab.js'

let lab: Lab
let jar: string

beforeAll(async () => {
  lab = await startLab({ name: 'host-keys' })
  jar = await lab.sampleJar('v1')
})
afterAll(() => lab?.stop())

/** The lab's inputs without its host key, which each test chooses. */
function inputs(overrides: Record<string, string>): Record<string, string> {
  const base = labInputs(lab, 'keys')
  delete base['host-fingerprint']
  return { ...base, jar, 'drain-timeout': '2s', 'stop-timeout': '2s', ...overrides }
}

/** The sshd log lines a run added: the logins it made and the ones it was refused. */
async function sshdLogDuring(run: () => Promise<ActionRun>): Promise<{ run: ActionRun; accepted: number; failed: number }> {
  const before = readFileSync(lab.sshdLog, 'utf8').length
  const result = await run()
  const added = readFileSync(lab.sshdLog, 'utf8').slice(before).split('\n')
  const count = (pattern: RegExp) => added.filter(line => pattern.test(line)).length
  return { run: result, accepted: count(/Accepted \w+ for /), failed: count(/Failed \w+ for /) }
}

/** Deploys and checks that exactly one login reached sshd and no credential was refused on the way. */
async function expectDeployedWith(overrides: Record<string, string>, presented: string): Promise<void> {
  const { run, accepted, failed } = await sshdLogDuring(() => runAction(inputs(overrides)))
  expect(errorOf(run)).toBe('')
  expect(run.outputs.result).toBe('deployed')
  expect(run.stdout).toContain(`host key ${presented}`)
  expect({ accepted, failed }).toEqual({ accepted: 1, failed: 0 })
}

function hashed(line: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'known-hosts-'))
  try {
    writeFileSync(join(dir, 'known_hosts'), `${line}\n`)
    execFileSync('ssh-keygen', ['-H', '-f', join(dir, 'known_hosts')], { stdio: 'ignore' })
    return readFileSync(join(dir, 'known_hosts'), 'utf8').trim()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('host keys of a server with three', () => {
  it('deploys with the ECDSA fingerprint pinned', async () => {
    await expectDeployedWith({ 'host-fingerprint': lab.hostKeys.ecdsa.fingerprint }, lab.hostKeys.ecdsa.fingerprint)
  })

  it('deploys with the RSA fingerprint pinned', async () => {
    await expectDeployedWith({ 'host-fingerprint': lab.hostKeys.rsa.fingerprint }, lab.hostKeys.rsa.fingerprint)
  })

  it('deploys with known-hosts holding only the ECDSA line', async () => {
    await expectDeployedWith({ 'known-hosts': lab.hostKeys.ecdsa.knownHosts }, lab.hostKeys.ecdsa.fingerprint)
  })

  it('deploys with a hashed RSA line (ssh-keygen -H)', async () => {
    const line = hashed(lab.hostKeys.rsa.knownHosts)
    expect(line).toMatch(/^\|1\|\S+ ssh-rsa AAAA/)
    await expectDeployedWith({ 'known-hosts': line }, lab.hostKeys.rsa.fingerprint)
  })

  it('refuses a revoked key even when its fingerprint is pinned, before any credential is sent', async () => {
    const { type, fingerprint, knownHosts } = lab.hostKeys.ed25519
    const revoked = `@revoked * ${type} ${knownHosts.split(' ')[2]}`
    const { run, accepted } = await sshdLogDuring(() => runAction(inputs({ 'known-hosts': revoked, 'host-fingerprint': fingerprint })))
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBe('failed')
    expect(accepted).toBe(0)
    expect(errorOf(run)).toBe(
      `Refused to log in to the server bgdeploy@127.0.0.1:${lab.sshPort}: the server presented host key ${fingerprint} (ssh-ed25519), ` +
        "which 'known-hosts' marks @revoked; a revoked key is refused even when 'host-fingerprint' pins it.\n" +
        'Server state: Nothing was changed on the server; no credential was sent to it.\n' +
        'What to do: Treat the machine as compromised until its administrator has replaced the revoked host key; then pin the new key. ' +
        'Do not remove the @revoked line to get past this.'
    )
  })

  it('names every key the server presented, and what was expected, when none matches', async () => {
    const wrong = 'SHA256:' + 'D'.repeat(43)
    const { run, accepted } = await sshdLogDuring(() => runAction(inputs({ 'host-fingerprint': wrong })))
    expect(run.code).toBe(1)
    expect(accepted).toBe(0)
    const { ed25519, ecdsa, rsa } = lab.hostKeys
    expect(errorOf(run)).toContain(
      `the server presented host key ${ed25519.fingerprint}, which matches neither 'host-fingerprint' nor 'known-hosts'; ` +
        `nor do its other host keys: ${ecdsa.fingerprint} (ecdsa-sha2-nistp256), ${rsa.fingerprint} (ssh-rsa). Expected ${wrong} ` +
        `('host-fingerprint').`
    )
  })
})
