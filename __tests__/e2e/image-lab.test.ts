import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { isAlive, startLab, type BuiltImage, type Lab, type LabDocker } from '../../lab/lab.mjs'
import { waitForStatus } from '../support/wait-for-status.js'

let lab: Lab
let docker: LabDocker

beforeAll(async () => {
  lab = await startLab({ name: 'image-lab', images: true })
  docker = lab.docker as LabDocker
})

afterAll(async () => {
  await lab?.stop()
})

/** A docker command run as bgdeploy over ssh, the way the action runs it. */
function dockerExec(args: string, opts?: { input?: string }) {
  return lab.sshExec(`${docker.command} ${args}`, opts)
}

function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
  const pairs = out
    .trim()
    .split('\n')
    .map(l => l.trim().split(/\s+/).map(Number))
  const found: number[] = []
  for (let level = [pid]; level.length > 0;) {
    level = pairs.filter(([, ppid]) => level.includes(ppid)).map(([p]) => p)
    found.push(...level)
  }
  return found
}

describe('image lab', () => {
  let v1: BuiltImage
  const port = { healthy: 0, unhealthy: 0 }

  test('exposes the engine and the registry', async () => {
    expect(docker.command).toBe(`docker -H unix://${docker.socket}`)
    expect(docker.registry).toMatch(/^localhost:\d+$/)
    expect(docker).toMatchObject({ registryUser: 'labuser', registryPassword: 'labpass' })
    expect(fs.statSync(docker.socket).isSocket()).toBe(true)
    expect([lab.pids.podman, lab.pids.registry].every(p => p !== undefined && isAlive(p))).toBe(true)
    const version = await dockerExec("version --format '{{.Server.Version}}'")
    expect(version).toMatchObject({ code: 0 })
  })

  test('docker login accepts the lab credentials on stdin and rejects a wrong password', async () => {
    const wrong = await dockerExec(`login ${docker.registry} -u labuser --password-stdin`, { input: 'nope\n' })
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toMatch(/401|unauthorized/i)
    const ok = await dockerExec(`login ${docker.registry} -u ${docker.registryUser} --password-stdin`, {
      input: `${docker.registryPassword}\n`
    })
    expect(ok).toMatchObject({ code: 0 })
    expect(ok.stdout).toContain('Login Succeeded')
  })

  test('buildImage pushes an image that a docker pull fetches with the same digest', async () => {
    v1 = await docker.buildImage('v1')
    expect(v1.ref).toBe(`${docker.registry}/shop:v1`)
    expect(v1.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect((await dockerExec(`image inspect ${v1.ref}`)).code).not.toBe(0)
    const pull = await dockerExec(`pull ${v1.ref}`)
    expect(pull).toMatchObject({ code: 0 })
    const digests = await dockerExec(`image inspect --format '{{json .RepoDigests}}' ${v1.ref}`)
    expect(JSON.parse(digests.stdout)).toContain(`${docker.registry}/shop@${v1.digest}`)
  })

  test('a container serves version, health and the env file on a loopback port', async () => {
    port.healthy = await lab.freePort()
    const envFile = `${lab.remoteRoot}/t.env`
    const run = await lab.sshExec(
      `printf 'GREETING=hello from env file\\n' > ${envFile} && ${docker.command} run -d ` +
        `--name t-green --label bluegreen.app=t --label bluegreen.slot=green -p 127.0.0.1:${port.healthy}:8080 ` +
        `--env-file ${envFile} --restart no ${v1.ref}`
    )
    expect(run).toMatchObject({ code: 0 })
    const base = `http://127.0.0.1:${port.healthy}`
    expect(await waitForStatus(lab, `${base}/version`, 200)).toBe('v1\n')
    const health = await lab.httpGet(`${base}/actuator/health`)
    expect(health.status).toBe(200)
    expect(JSON.parse(health.body)).toEqual({ status: 'UP' })
    expect(health.headers['content-type']).toBe('application/json')
    expect((await lab.httpGet(`${base}/env/GREETING`)).body).toBe('hello from env file\n')
    expect((await lab.httpGet(`${base}/env/NOT_SET`)).status).toBe(404)
    const started = Date.now()
    expect((await lab.httpGet(`${base}/slow?ms=500`)).body).toBe('slow done v1\n')
    expect(Date.now() - started).toBeGreaterThanOrEqual(450)
  })

  test('HEALTHY=false makes the health endpoint answer 503 DOWN', async () => {
    port.unhealthy = await lab.freePort()
    const run = await dockerExec(
      `run -d --name t-blue --label bluegreen.app=t --label bluegreen.slot=blue ` +
        `-p 127.0.0.1:${port.unhealthy}:8080 -e HEALTHY=false --restart no ${v1.ref}`
    )
    expect(run).toMatchObject({ code: 0 })
    const body = await waitForStatus(lab, `http://127.0.0.1:${port.unhealthy}/actuator/health`, 503)
    expect(JSON.parse(body)).toEqual({ status: 'DOWN' })
  })

  test('docker ps filters by label and docker logs shows the requests', async () => {
    const ps = await dockerExec('ps -a --filter label=bluegreen.app=t --format \'{{.Names}} {{.State}} {{.Label "bluegreen.slot"}}\'')
    expect(ps).toMatchObject({ code: 0 })
    expect(ps.stdout.trim().split('\n').sort()).toEqual(['t-blue running blue', 't-green running green'])
    const logs = await dockerExec('logs --tail 50 t-green')
    expect(`${logs.stdout}${logs.stderr}`).toContain('GET /version 200')
  })

  test('docker stop -t 2 stops the container gracefully', async () => {
    expect(await dockerExec('stop -t 2 t-green')).toMatchObject({ code: 0 })
    // Exit code 0, not 137: the app ended on SIGTERM by itself, before the engine's SIGKILL after 2 s.
    const state = await dockerExec("inspect --format '{{.State.Status}} {{.State.ExitCode}}' t-green")
    expect(state.stdout.trim()).toBe('exited 0')
    await expect(lab.httpGet(`http://127.0.0.1:${port.healthy}/version`, { timeoutMs: 2000 })).rejects.toThrow()
    const ps = await dockerExec("ps -a --filter label=bluegreen.app=t --format '{{.Names}} {{.State}}'")
    expect(ps.stdout).toContain('t-green exited')
  })

  test('stop() removes the containers, stops every process it started and removes the dirs', async () => {
    const podman = lab.pids.podman as number
    const started = [podman, lab.pids.registry as number, lab.pids.sshd, lab.pids.nginx, ...descendants(podman)]
    expect(started.length).toBeGreaterThan(5)
    expect(started.every(isAlive)).toBe(true)
    await lab.stop()
    await lab.stop()
    expect(started.filter(isAlive)).toEqual([])
    expect(fs.existsSync(lab.dir)).toBe(false)
    expect(fs.existsSync(lab.remoteRoot)).toBe(false)
    expect(fs.existsSync(`/sys/class/net/${docker.network}`)).toBe(false)
    const ps = execFileSync('ps', ['-eo', 'pid,stat,args'], { encoding: 'utf8' })
    const leftovers = ps.split('\n').filter(l => l.includes(lab.dir) && !/^\s*\d+\s+Z/.test(l))
    expect(leftovers).toEqual([])
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8')
    expect(mounts).not.toContain(lab.dir)
  })
})
