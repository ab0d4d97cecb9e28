import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { isAlive, startLab, type Lab } from '../../lab/lab.mjs'
import { waitForStatus } from '../support/wait-for-status.js'

let lab: Lab

beforeAll(async () => {
  lab = await startLab({ name: 'e2e-lab' })
})

afterAll(async () => {
  await lab?.stop()
})

/** Starts the sample app as bgdeploy the way the action does, returning its PID. */
async function startApp(version: string, port: number, name: string, env = ''): Promise<number> {
  const jar = await lab.sampleJar(version)
  const root = lab.remoteRoot
  const r = await lab.sshExec(
    `cd ${root}; ${env} SERVER_PORT=${port} setsid nohup java -jar ${jar} > ${root}/${name}.log 2>&1 < /dev/null & ` +
      `echo $! > ${root}/${name}.pid; cat ${root}/${name}.pid`
  )
  expect(r.code).toBe(0)
  return Number(r.stdout.trim())
}

function childPids(ppid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '--ppid', String(ppid)], { encoding: 'utf8' }).stdout
  return out.split(/\s+/).filter(Boolean).map(Number)
}

describe('lab', () => {
  const appPids: number[] = []

  test('exposes connection details', () => {
    expect(lab.host).toBe('127.0.0.1')
    expect(lab.hostFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    expect(lab.knownHosts).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${lab.sshPort} ssh-ed25519 AAAA`))
    expect(lab.privateKey).toContain('BEGIN OPENSSH PRIVATE KEY')
    expect(lab.passphraseKey).toContain('BEGIN OPENSSH PRIVATE KEY')
    expect(new Set([lab.sshPort, lab.nginxPort, ...lab.ports]).size).toBe(4)
    expect(fs.statSync(lab.remoteRoot).uid).toBe(lab.uid)
  })

  test('its sshd presents three host keys, as a stock server does, each as the lab describes it', () => {
    const scanned = spawnSync('ssh-keyscan', ['-p', String(lab.sshPort), '-t', 'ed25519,ecdsa,rsa', lab.host], { encoding: 'utf8' }).stdout
    const { ed25519, ecdsa, rsa } = lab.hostKeys
    expect(scanned.trim().split('\n').sort()).toEqual([ed25519.knownHosts, ecdsa.knownHosts, rsa.knownHosts].sort())
    expect([ed25519.type, ecdsa.type, rsa.type]).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa'])
    expect(ed25519).toMatchObject({ fingerprint: lab.hostFingerprint, knownHosts: lab.knownHosts })
    expect(new Set([ed25519.fingerprint, ecdsa.fingerprint, rsa.fingerprint]).size).toBe(3)
  })

  test('ssh login with the lab key works and bgdeploy has passwordless sudo', async () => {
    const who = await lab.sshExec('id -un')
    expect(who).toMatchObject({ code: 0 })
    expect(who.stdout.trim()).toBe('bgdeploy')
    expect((await lab.sshExec('sudo -n true')).code).toBe(0)
  })

  test('bgnosudo needs a password for sudo', () => {
    const r = spawnSync('runuser', ['-u', 'bgnosudo', '--', 'sudo', '-n', 'true'], { encoding: 'utf8' })
    expect(r.status).not.toBe(0)
  })

  test('nginx answers 502 while nothing listens on the blue port', async () => {
    const res = await lab.httpGet(lab.nginxUrl)
    expect(res.status).toBe(502)
  })

  test('the v1 sample jar runs as bgdeploy and reports version and health', async () => {
    const port = await lab.freePort()
    const pid = await startApp('v1', port, 'v1')
    appPids.push(pid)
    expect(await waitForStatus(lab, `http://127.0.0.1:${port}/version`, 200)).toBe('v1\n')
    expect(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('java')
    expect(fs.statSync(`/proc/${pid}`).uid).toBe(lab.uid)
    const health = await lab.httpGet(`http://127.0.0.1:${port}/actuator/health`)
    expect(health.status).toBe(200)
    expect(JSON.parse(health.body)).toEqual({ status: 'UP' })
    expect(health.headers['content-type']).toBe('application/json')
  })

  test('HEALTHY=false makes the health endpoint answer 503 DOWN', async () => {
    const port = await lab.freePort()
    appPids.push(await startApp('v2', port, 'unhealthy', 'HEALTHY=false'))
    expect(JSON.parse(await waitForStatus(lab, `http://127.0.0.1:${port}/actuator/health`, 503))).toEqual({ status: 'DOWN' })
    expect((await lab.httpGet(`http://127.0.0.1:${port}/`)).body).toBe('hello from v2\n')
  })

  test('bgdeploy can switch nginx with sudo, but not without', async () => {
    const [blue] = lab.ports
    appPids.push(await startApp('v1', blue, 'blue'))
    await waitForStatus(lab, `http://127.0.0.1:${blue}/version`, 200)
    const denied = await lab.sshExec(`echo x > ${lab.nginxInclude}`)
    expect(denied.code).not.toBe(0)
    const switched = await lab.sshExec(`sudo -n ${lab.nginxTestCommand} && sudo -n ${lab.nginxReloadCommand}`)
    expect(switched).toMatchObject({ code: 0 })
    expect(await waitForStatus(lab, `${lab.nginxUrl}/version`, 200)).toBe('v1\n')
  })

  test('stop() kills every process it started and is idempotent', async () => {
    const daemons = [lab.pids.sshd, lab.pids.nginx, ...childPids(lab.pids.nginx)]
    const all = [...appPids, ...daemons]
    expect(all.every(isAlive)).toBe(true)
    const sudoers = `/etc/sudoers.d/bglab-${lab.labId}-least`
    expect(fs.readFileSync(sudoers, 'utf8')).toBe(`${lab.leastPrivilege.sudoersLine}\n`)
    await lab.stop()
    await lab.stop()
    expect(all.filter(isAlive)).toEqual([])
    expect(fs.existsSync(lab.remoteRoot)).toBe(false)
    expect(fs.existsSync(lab.leastPrivilege.remoteRoot)).toBe(false)
    expect(fs.existsSync(sudoers)).toBe(false)
    const ps = execFileSync('ps', ['-eo', 'pid,stat,args'], { encoding: 'utf8' })
    const leftovers = ps.split('\n').filter(l => l.includes(lab.dir) && !/^\s*\d+\s+Z/.test(l))
    expect(leftovers).toEqual([])
  })
})
