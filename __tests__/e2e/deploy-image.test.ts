/**
 * Image mode end to end: the bundled action drives the Docker CLI on the server (against the lab's podman
 * engine) to pull from a loopback registry with authentication and run blue/green containers.
 */
import { randomBytes } from 'node:crypto'
import { basename, dirname } from 'node:path'
import { startLab, type BuiltImage, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'
import { untilInFlight } from '../support/in-flight.js'
import { argvOf, childrenOf, filesHolding, waitForExit, waitForProcess } from '../support/processes.js'

let lab: Lab
const images: Record<string, BuiltImage> = {}

beforeAll(async () => {
  lab = await startLab({ name: 'deploy-image', images: true })
  for (const version of ['v1', 'v2', 'v3', 'v4']) images[version] = await lab.docker!.buildImage(version)
  images.sick = await lab.docker!.buildImage('sick', { healthy: false })
})
afterAll(() => lab?.stop())

function inputs(version: string, overrides: Record<string, string> = {}): Record<string, string> {
  const docker = lab.docker!
  return {
    ...labInputs(lab, 'shop'),
    image: images[version].ref,
    'docker-command': docker.command,
    registry: docker.registry,
    'registry-username': docker.registryUser,
    'registry-password': docker.registryPassword,
    env: 'GREETING=hello from $(env)\nBOOT_DELAY_MS=800',
    'keep-images': '2',
    'health-timeout': '30s',
    'stop-timeout': '3s',
    ...overrides
  }
}

async function docker(args: string): Promise<string> {
  const result = await lab.sshExec(`${lab.docker!.command} ${args}`)
  if (result.code !== 0) throw new Error(`docker ${args}: ${result.stderr}`)
  return result.stdout.trim()
}

async function containers(): Promise<string[]> {
  return (await docker(`ps -a --filter label=bluegreen.app=shop --format '{{.Names}} {{.State}}'`)).split('\n').filter(Boolean).sort()
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await condition()); i++) await new Promise(resolve => setTimeout(resolve, 100))
}

async function servedVersion(): Promise<string> {
  return (await lab.httpGet(`${lab.nginxUrl}/version`)).body.trim()
}

describe('image mode', () => {
  it('pulls with registry login and deploys onto an empty server (blue)', async () => {
    const run = await runAction(inputs('v1'))
    expect(run.stdout).not.toContain('::error::')
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'blue', release: images.v1.digest })
    expect(await servedVersion()).toBe('v1')
    expect(await containers()).toEqual(['shop-blue running'])
    expect((await lab.httpGet(`${lab.nginxUrl}/env/GREETING`)).body.trim()).toBe('hello from $(env)')
    // env went to `docker run` on stdin (no env file), and credentials were logged out again
    expect((await lab.sshExec(`ls ${lab.remoteRoot}/shop/slots/blue/`)).stdout.trim()).toBe('')
    expect((await lab.sshExec(`cat "$DOCKER_CONFIG/config.json" 2>/dev/null`)).stdout).not.toContain(
      lab.docker!.registry + '": {\n\t\t\t"auth"'
    )
  })

  it('moves traffic to a green container and removes the blue one', async () => {
    const run = await runAction(inputs('v2'))
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'green', 'previous-color': 'blue', release: images.v2.digest })
    expect(await servedVersion()).toBe('v2')
    expect(await containers()).toEqual(['shop-green running'])
  })

  it('moves traffic back to blue, letting a slow request on green finish first', async () => {
    const slow = lab.httpGet(`${lab.nginxUrl}/slow?ms=8000`, { timeoutMs: 30_000 })
    await untilInFlight(lab, lab.ports[1])
    const run = await runAction(inputs('v3', { env: 'GRACEFUL=false' }))
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'blue' })
    expect(await slow).toMatchObject({ status: 200, body: 'slow done v2\n' })
    expect(await servedVersion()).toBe('v3')
    expect(await containers()).toEqual(['shop-blue running'])
  })

  it('keeps only keep-images images of the app, never the live one', async () => {
    const listed = await docker(`images --format '{{.Tag}}' ${images.v1.ref.split(':').slice(0, -1).join(':')}`)
    expect(listed.split('\n').sort()).toEqual(['v2', 'v3'])
  })

  it('fails an unhealthy image with its log and state, and removes the container', async () => {
    const run = await runAction(inputs('sick', { 'health-timeout': '4s' }))
    expect(run.outputs.result).toBe('failed')
    expect(run.stdout).toMatch(/::error::The new version on green :\d+ did not become healthy/)
    expect(run.summary).toMatch(/container shop-green: running, exit code 0/)
    expect(run.summary).toContain('Started shop sick on port 8080')
    expect(run.summary).toContain('GET /actuator/health 503')
    expect(await servedVersion()).toBe('v3')
    expect(await containers()).toEqual(['shop-blue running'])
  })

  it('replaces a leftover container of its own in the idle slot', async () => {
    await docker(`create --name shop-green --label bluegreen.app=shop ${images.v3.ref}`)
    const run = await runAction(inputs('v4'))
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'green' })
    expect(await servedVersion()).toBe('v4')
  })

  it('refuses a container in its slot that it did not create', async () => {
    await docker(`create --name shop-blue ${images.v4.ref}`)
    const run = await runAction(inputs('v3'))
    expect(run.outputs.result).toBe('failed')
    expect(run.stdout).toMatch(/::error::A container named shop-blue exists that this action did not create/)
    expect(await servedVersion()).toBe('v4')
    await docker('rm shop-blue')
  })

  it('refuses a foreign process on the idle port before changing anything', async () => {
    const port = lab.ports[0]
    // `;` rather than `&&`: the background job must be python itself, so that $! is its PID
    await lab.sshExec(
      `cd ${lab.remoteRoot}; setsid nohup python3 -m http.server ${port} --bind 127.0.0.1 > /dev/null 2>&1 < /dev/null & echo $! > ` +
        `${lab.remoteRoot}/foreign.pid`
    )
    await waitUntil(async () => (await lab.httpGet(`http://127.0.0.1:${port}/`).catch(() => null))?.status === 200)
    const run = await runAction(inputs('v3'))
    expect(run.outputs.result).toBe('failed')
    expect(run.stdout).toMatch(
      new RegExp(`::error::Port ${port} \\(the idle blue slot\\) is held by a process that this action did not start`)
    )
    expect(run.stdout).toContain('Nothing was changed on the server')
    expect(await servedVersion()).toBe('v4')
    await lab.sshExec(`kill $(cat ${lab.remoteRoot}/foreign.pid) && rm ${lab.remoteRoot}/foreign.pid`)
  })

  it('fails fast on a tag that does not exist, with the registry’s message, touching nothing', async () => {
    const run = await runAction({ ...inputs('v1'), image: `${lab.docker!.registry}/shop:no-such-tag` })
    expect(run.outputs.result).toBe('failed')
    expect(run.stdout).toMatch(/::error::Could not pull .*shop:no-such-tag: .*(manifest unknown|not found)/i)
    expect(run.stdout).toContain('Nothing was changed on the server')
    expect(run.summary).not.toContain('Start new version')
    expect(await containers()).toEqual(['shop-green running'])
  })

  it('fails the pull without registry credentials', async () => {
    const run = await runAction(inputs('v1', { 'registry-username': '', 'registry-password': '' }))
    expect(run.outputs.result).toBe('failed')
    expect(run.stdout).toMatch(/::error::Could not pull .*(unauthorized|authentication required)/i)
    expect(await servedVersion()).toBe('v4')
  })

  it('runs through `sudo docker`, which passes the env on stdin through', async () => {
    // root's own DOCKER_CONFIG, inside the lab rather than in root's home
    const run = await runAction(
      inputs('v3', { 'docker-command': `sudo -n env DOCKER_CONFIG=${lab.remoteRoot}/.docker-root ${lab.docker!.command}` })
    )
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'blue' })
    expect((await lab.httpGet(`${lab.nginxUrl}/env/GREETING`)).body.trim()).toBe('hello from $(env)')
    expect(await containers()).toEqual(['shop-blue running'])
  })

  it('never writes env to disk: a docker run hung on the engine, the action killed, leaves no secret behind', async () => {
    const secret = `token-${randomBytes(12).toString('hex')}`
    const home = dirname(lab.remoteRoot)
    const podman = childrenOf(lab.pids.podman!).find(pid => basename(argvOf(pid)[0] ?? '') === 'podman')!
    const isDockerRun = (argv: string[]) =>
      basename(argv[0] ?? '') === 'docker' &&
      argv.includes(`unix://${lab.docker!.socket}`) &&
      argv.includes('run') &&
      argv.includes('--env-file')
    let dockerRun: Promise<number> | undefined
    // Once the Docker CLI runs, the engine stops answering (SIGSTOP), then the action is killed mid-step.
    const run = await runAction(inputs('v2', { env: `API_TOKEN=${secret}\nBOOT_DELAY_MS=800` }), {
      interrupt: {
        when: /::group::Start new version/,
        run: child => {
          dockerRun = waitForProcess(isDockerRun, 30_000)
            .then(pid => {
              process.kill(podman, 'SIGSTOP')
              return pid
            })
            .finally(() => child.kill('SIGKILL'))
        }
      }
    })
    const docker = await dockerRun!
    try {
      expect(run.signal).toBe('SIGKILL')
      expect(filesHolding(home, secret)).toEqual([])
      expect(argvOf(docker)).toEqual(expect.arrayContaining(['--env-file', '/dev/stdin']))
      expect(argvOf(docker).join(' ')).not.toContain(secret)
    } finally {
      process.kill(podman, 'SIGCONT')
    }
    await waitForExit(docker, 60_000)
    expect(filesHolding(home, secret)).toEqual([])
    // the post step stops what the orphaned `docker run` started
    const post = await runAction(inputs('v2'), { state: run.state })
    expect(post.code).toBe(0)
    expect(await containers()).toEqual(['shop-blue running'])
    expect(await servedVersion()).toBe('v3')
  })
})
