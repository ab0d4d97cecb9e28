/** Connecting and authenticating against the lab's real sshd: every credential form, and every refusal. */
import { execFileSync } from 'node:child_process'
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'
import { errorOf } from '../support/failure-lab.js'

let lab: Lab
let jar: string

beforeAll(async () => {
  lab = await startLab({ name: 'connect' })
  jar = await lab.sampleJar('v1')
})
afterAll(() => lab?.stop())

/** The lab's inputs without its credentials and host key, which each test chooses. */
function inputs(overrides: Record<string, string>): Record<string, string> {
  const base = labInputs(lab, 'conn')
  delete base['private-key']
  delete base['host-fingerprint']
  return {
    ...base,
    jar,
    'drain-timeout': '2s',
    'stop-timeout': '2s',
    ...overrides
  }
}

function includeText(): string {
  return readFileSync(lab.nginxInclude, 'utf8')
}

/**
 * Resets the action's own TCP connection to the lab sshd, from the sshd's side (`ss -K` sends an RST),
 * as a jump host that reboots or a middlebox that drops state would. Through the lab's jump host the
 * action's only direct connection is the jump host's; the server's arrives from that sshd.
 */
function resetJumpHostConnection(action: { pid?: number }): void {
  const established = (filter: string) => execFileSync('ss', ['-tnpH', 'state', 'established', `( ${filter} )`], { encoding: 'utf8' })
  // By the action's PID, not its process name: Node binaries from npm or nvm name their process differently.
  const ours = established(`dport = :${lab.sshPort}`)
    .split('\n')
    .filter(line => line.includes(`pid=${action.pid},`))
  expect(ours).toHaveLength(1)
  const clientPort = ours[0].split(/\s+/)[2].split(':').pop()
  const killed = execFileSync('ss', ['-K', 'state', 'established', `( sport = :${lab.sshPort} and dport = :${clientPort} )`], {
    encoding: 'utf8'
  })
  expect(killed).toContain(`:${clientPort}`) // else the kernel cannot destroy sockets (CONFIG_INET_DIAG_DESTROY)
}

function acceptedLogins(): number {
  return readFileSync(lab.sshdLog, 'utf8')
    .split('\n')
    .filter(line => line.includes('Accepted ')).length
}

describe('connection', () => {
  it('logs in with a password and a known_hosts line', async () => {
    const run = await runAction(inputs({ password: lab.password, 'known-hosts': lab.knownHosts }))
    expect(run.stdout).not.toContain('::error::')
    expect(run.outputs.result).toBe('deployed')
  })

  it('logs in with a passphrase-protected key', async () => {
    const run = await runAction(
      inputs({ 'private-key': lab.passphraseKey, passphrase: lab.passphrase, 'host-fingerprint': lab.hostFingerprint })
    )
    expect(run.outputs.result).toBe('deployed')
  })

  it('refuses a server whose host key does not match, before authenticating', async () => {
    const before = includeText()
    const loginsBefore = acceptedLogins()
    expect(loginsBefore).toBeGreaterThan(0) // the earlier tests' logins are in the log
    const run = await runAction(inputs({ 'private-key': lab.privateKey, 'host-fingerprint': 'SHA256:' + 'A'.repeat(43) }))
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(`presented host key ${lab.hostFingerprint}, which matches neither`)
    expect(run.stdout).toContain('Nothing was changed on the server')
    expect(includeText()).toBe(before)
    expect(acceptedLogins()).toBe(loginsBefore)
  })

  it('refuses to connect with nothing to verify the host against, and prints the fingerprint to pin', async () => {
    const run = await runAction(inputs({ 'private-key': lab.privateKey }))
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(`no 'host-fingerprint' or 'known-hosts' was given`)
    expect(run.stdout).toContain(lab.hostFingerprint)
  })

  it('connects through a jump host, verifying both host keys', async () => {
    const run = await runAction(
      inputs({
        'private-key': lab.privateKey,
        'host-fingerprint': lab.hostFingerprint,
        'proxy-host': lab.host,
        'proxy-port': String(lab.sshPort),
        'proxy-host-fingerprint': lab.hostFingerprint
      })
    )
    expect(run.outputs.result).toBe('deployed')
    expect(run.summary).toMatch(/bgdeploy@127\.0\.0\.1:\d+ via 127\.0\.0\.1:\d+/)
  })

  it('fails cleanly when the jump host resets the connection mid-deploy', async () => {
    const jumpHost = { 'proxy-host': lab.host, 'proxy-port': String(lab.sshPort), 'proxy-host-fingerprint': lab.hostFingerprint }
    const run = await runAction(
      inputs({ 'private-key': lab.privateKey, 'host-fingerprint': lab.hostFingerprint, ...jumpHost, env: 'BOOT_DELAY_MS=4000' }),
      { interrupt: { when: /::group::Health check/, run: resetJumpHostConnection } }
    )
    expect(run.stderr).not.toContain("Unhandled 'error' event")
    expect(run.code).toBe(1)
    expect(errorOf(run)).toMatch(/^Lost the SSH connection during '[^']+': the jump host's connection failed: \w+ ECONNRESET/)
    expect(run.outputs.result).toBe('failed')
    expect(run.summary).toContain('ECONNRESET')
  })

  it('refuses a jump host whose host key does not match', async () => {
    const run = await runAction(
      inputs({
        'private-key': lab.privateKey,
        'host-fingerprint': lab.hostFingerprint,
        'proxy-host': lab.host,
        'proxy-port': String(lab.sshPort),
        'proxy-host-fingerprint': 'SHA256:' + 'C'.repeat(43)
      })
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/Refused to log in to the jump host bgdeploy@127\.0\.0\.1:\d+/)
    expect(run.stdout).toContain("'proxy-host-fingerprint'")
  })

  it('connects without host key verification only when told to, with a warning', async () => {
    const run = await runAction(inputs({ 'private-key': lab.privateKey, 'insecure-skip-host-key-check': 'true' }))
    expect(run.outputs.result).toBe('deployed')
    expect(run.stdout).toContain(
      `::warning::insecure-skip-host-key-check is true: the server's host key (${lab.hostFingerprint}) was not verified`
    )
  })

  it('stops before changing anything when the login user would need a sudo password', async () => {
    const remoteDir = mkdtempSync(join(tmpdir(), 'nosudo-'))
    chownSync(remoteDir, Number(execFileSync('id', ['-u', 'bgnosudo'], { encoding: 'utf8' })), 0)
    try {
      const run = await runAction(
        inputs({ 'private-key': lab.privateKey, 'host-fingerprint': lab.hostFingerprint, username: 'bgnosudo', 'remote-dir': remoteDir })
      )
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(
        /::error::The nginx steps run through 'sudo -n', and the login user may not run 'tee .*', 'nginx .* -t', 'nginx .* -s reload' that way \(sudo said: sudo: a password is required\)/
      )
      expect(run.stdout).toMatch(/bgnosudo ALL=\(root\) NOPASSWD: \/usr\/bin\/tee /)
      expect(run.stdout).toContain('Nothing was changed on the server')
    } finally {
      rmSync(remoteDir, { recursive: true, force: true })
    }
  })

  it('says what happened when the server disk is full', async () => {
    const tiny = mkdtempSync(join(tmpdir(), 'tinyfs-'))
    const bigJar = join(mkdtempSync(join(tmpdir(), 'bigjar-')), 'big.jar')
    writeFileSync(bigJar, Buffer.alloc(2 * 1048576, 7))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tiny])
    try {
      chownSync(tiny, lab.uid, 0)
      const run = await runAction(
        inputs({ 'private-key': lab.privateKey, 'host-fingerprint': lab.hostFingerprint, jar: bigJar, 'remote-dir': tiny })
      )
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(/::error::Uploading the jar \(2\.0 MiB\) failed: .*; the server has only [\d.]+ MiB free there/)
      expect(run.stdout).toContain('the partial upload was removed')
      expect(execFileSync('find', [tiny, '-name', '*.part'], { encoding: 'utf8' })).toBe('')
    } finally {
      execFileSync('umount', [tiny])
      rmSync(tiny, { recursive: true, force: true })
      rmSync(bigJar, { force: true })
    }
  })

  it('says which methods the server refused for a wrong key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wrong-key-'))
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')])
      const run = await runAction(
        inputs({ 'private-key': readFileSync(join(dir, 'key'), 'utf8'), 'host-fingerprint': lab.hostFingerprint })
      )
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(/refused the login \(tried publickey\)/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
