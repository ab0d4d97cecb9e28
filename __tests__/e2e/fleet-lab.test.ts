import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startLoad } from '../../bench/load.mjs'
import { httpGet, isAlive, startFleetLab, type FleetHost, type FleetLab } from '../../lab/lab.mjs'

interface Result {
  code: number
  stdout: string
  stderr: string
}

let lab: FleetLab
let hosts: FleetHost[]
let scratch: string
const timings: { startMs?: number; stopMs?: number } = {}

beforeAll(async () => {
  const started = performance.now()
  lab = await startFleetLab({ name: 'e2e-fleet', appHosts: 3 })
  timings.startMs = Math.round(performance.now() - started)
  hosts = [lab.nginx, ...lab.apps]
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-lab-test-'))
  fs.writeFileSync(path.join(scratch, 'known_hosts'), lab.knownHosts)
}, 5 * 60_000)

afterAll(async () => {
  await lab?.stop()
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true })
  console.log(`fleet lab (3 app hosts): startFleetLab ${timings.startMs} ms, stop ${timings.stopMs} ms`)
})

function run(file: string, args: string[]): Promise<Result> {
  return new Promise(resolve => {
    execFile(file, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 255) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

/** The system ssh client's options: the lab's key, and host keys checked strictly against `knownHosts`. */
function sshOptions(knownHosts = path.join(scratch, 'known_hosts')): string[] {
  const opts = ['BatchMode=yes', 'IdentitiesOnly=yes', 'IdentityAgent=none', `UserKnownHostsFile=${knownHosts}`]
  opts.push('GlobalKnownHostsFile=/dev/null', 'StrictHostKeyChecking=yes', 'ConnectTimeout=10', 'LogLevel=ERROR')
  return ['-F', 'none', '-i', lab.privateKeyPath, ...opts.flatMap(o => ['-o', o])]
}

const ssh = (host: FleetHost, command: string, knownHosts?: string) =>
  run('ssh', [...sshOptions(knownHosts), `${lab.username}@${host.address}`, '--', command])

/** The rules `sudo -l` lists under "may run the following commands". */
function listedRules(sudoList: string): string[] {
  const lines = sudoList.split('\n')
  const start = lines.findIndex(l => / may run the following commands on /.test(l))
  return start < 0 ? [] : lines.slice(start + 1).filter(l => l.trim() !== '')
}

/** Every live process in one of the namespaces (read from /proc). */
function processesIn(netns: Set<string>): number[] {
  return fs
    .readdirSync('/proc')
    .filter(d => /^\d+$/.test(d))
    .filter(d => {
      try {
        return netns.has(fs.readlinkSync(`/proc/${d}/ns/net`))
      } catch {
        return false
      }
    })
    .map(Number)
    .filter(isAlive)
}

/** Polls `check` until it returns a value (the apps and nginx act asynchronously); fails after 30 s. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const upstream = () => `upstream fleet {\n${lab.apps.map(a => `    server ${a.address}:8080;\n`).join('')}}\n`

describe('fleet lab', () => {
  test('every host has its own address in 198.18.0.0/15, namespace and host key, and no route off the machine', async () => {
    expect(hosts.map(h => h.name)).toEqual(['nginx', 'app1', 'app2', 'app3'])
    const prefix = lab.subnet.replace(/\.0\/24$/, '.')
    expect(lab.subnet).toMatch(/^198\.(18|19)\.\d{1,3}\.0\/24$/)
    for (const h of hosts) expect(h.address.startsWith(prefix)).toBe(true)
    for (const key of ['address', 'netns', 'hostFingerprint'] as const) expect(new Set(hosts.map(h => h[key])).size).toBe(hosts.length)
    expect(lab.knownHosts).toBe(hosts.map(h => `${h.knownHosts}\n`).join(''))
    expect((await run('ip', ['-o', '-4', 'addr', 'show', 'dev', lab.bridge])).stdout).toContain(`inet ${lab.rootAddress}/24`)
    for (const h of hosts) {
      expect(h.sshPort).toBe(22)
      expect(h.knownHosts).toMatch(new RegExp(`^${h.address.replace(/\./g, '\\.')} ssh-ed25519 AAAA`))
      const r = await h.exec('readlink /proc/self/ns/net; ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub; ip -4 route')
      const [netns, fingerprintLine, ...routes] = r.stdout.trim().split('\n')
      expect(netns).toBe(h.netns)
      expect(fingerprintLine.split(' ')[1]).toBe(h.hostFingerprint)
      expect(routes.map(l => l.split(' ').slice(0, 3).join(' '))).toEqual([`${lab.subnet} dev eth0`])
    }
  })

  test('the deploy user logs in to every host by key, host keys checked strictly', async () => {
    const results = await Promise.all(hosts.map(h => ssh(h, 'id -un; hostname -I')))
    results.forEach((r, i) => expect(r).toEqual({ code: 0, stdout: `${lab.username}\n${hosts[i].address} \n`, stderr: '' }))
    // Another host's key for app1's address: the client refuses, so the pinning above is real.
    const wrong = path.join(scratch, 'wrong_known_hosts')
    fs.writeFileSync(wrong, `${lab.apps[0].address} ${lab.nginx.knownHosts.split(' ').slice(1).join(' ')}\n`)
    const refused = await ssh(lab.apps[0], 'true', wrong)
    expect(refused.code).toBe(255)
    expect(refused.stderr).toContain('Host key verification failed')
  })

  test('each host has its own home, with the remote root the user owns', async () => {
    // Were two hosts to share a home, one would find the other's marker, or read back the other's name.
    const written = await Promise.all(
      hosts.map(h => ssh(h, `cat ~/marker 2>/dev/null; echo ${h.name} > ~/marker; pwd; stat -c %U ${lab.remoteRoot}`))
    )
    for (const r of written) expect(r).toEqual({ code: 0, stdout: `/home/${lab.username}\n${lab.username}\n`, stderr: '' })
    const read = await Promise.all(hosts.map(h => ssh(h, 'cat ~/marker')))
    expect(read.map(r => r.stdout)).toEqual(hosts.map(h => `${h.name}\n`))
  })

  test("sudo on the nginx host allows only the README's rule for the include; app hosts have no sudo", async () => {
    const rule = `/usr/bin/tee ${lab.include}, /usr/sbin/nginx -t, /usr/sbin/nginx -T, /usr/sbin/nginx -s reload`
    expect(lab.include).toBe('/etc/nginx/conf.d/fleet-upstream.conf')
    expect([lab.nginxTestCommand, lab.nginxReloadCommand]).toEqual(['/usr/sbin/nginx -t', '/usr/sbin/nginx -s reload'])
    expect((await lab.nginx.exec('cat /etc/sudoers.d/*')).stdout).toBe(`${lab.username} ALL=(root) NOPASSWD: ${rule}\n`)
    expect((await ssh(lab.nginx, `cat ${lab.include}`)).stdout).toBe(upstream())
    expect(listedRules((await ssh(lab.nginx, 'sudo -n -l')).stdout)).toEqual([`    (root) NOPASSWD: ${rule}`])
    const test = await ssh(lab.nginx, `sudo -n ${lab.nginxTestCommand}`)
    expect(test.code).toBe(0)
    expect(test.stderr).toContain('test is successful')
    const refused = await ssh(lab.nginx, 'sudo -n true')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('a password is required')
    for (const listed of await Promise.all(lab.apps.map(app => ssh(app, 'sudo -n -l; echo "exit $?"; sudo -n true')))) {
      expect(listed.code).not.toBe(0)
      expect(listedRules(listed.stdout)).toEqual([])
      expect(listed.stdout).toContain('exit 1')
    }
  })

  test('a sample jar on every app host answers through nginx over https with SNI', async () => {
    const jar = await lab.sampleJar('v1')
    const root = lab.remoteRoot
    await Promise.all(
      lab.apps.map(async app => {
        const copy = await run('scp', [...sshOptions(), jar, `${lab.username}@${app.address}:${root}/app.jar`])
        expect(copy).toMatchObject({ code: 0, stderr: '' })
        const start = `cd ${root} || exit 1; APP_VERSION=${app.name} nohup java -jar app.jar --port 8080 > app.log 2>&1 < /dev/null & echo $! > app.pid`
        expect((await ssh(app, start)).code).toBe(0)
      })
    )
    for (const app of lab.apps) {
      const res = await waitFor(`${app.name}:8080`, async () => {
        const r = await httpGet(`http://${app.address}:8080/version`)
        return r.status === 200 ? r : undefined
      })
      expect(res.body).toBe(`${app.name}\n`)
    }

    const load = startLoad(lab.nginxUrl, { fastClients: 2, slowClients: 0, serverName: lab.serverName })
    try {
      await waitFor('12 requests through nginx', async () => (load.samples.length >= 12 ? true : undefined))
    } finally {
      await load.stop()
    }
    const samples = load.samples
    expect(samples.filter(s => s.status !== 200)).toEqual([])
    expect(new Set(samples.map(s => s.version))).toEqual(new Set(lab.apps.map(a => a.name)))

    const stop = `pid=$(cat ${root}/app.pid); kill $pid; while kill -0 $pid 2>/dev/null; do sleep 0.1; done`
    for (const r of await Promise.all(lab.apps.map(app => ssh(app, stop)))) expect(r.code).toBe(0)
  })

  test("nginx's master writes an access log the include defines under the user's home", async () => {
    const log = `/home/${lab.username}/fleet-logs/access.log`
    const include = `${upstream()}access_log ${log};\n`
    const write = (text: string) =>
      ssh(
        lab.nginx,
        `printf '%s' '${text}' | sudo -n tee ${lab.include} > /dev/null && sudo -n ${lab.nginxTestCommand} && sudo -n ${lab.nginxReloadCommand}`
      )
    expect((await ssh(lab.nginx, 'mkdir -p ~/fleet-logs')).code).toBe(0)
    expect((await write(include)).code).toBe(0)
    const get = () => httpGet(`${lab.nginxUrl}/version`, { servername: lab.serverName, headers: { Host: lab.serverName }, timeoutMs: 5000 })
    const line = await waitFor('a line in the access log', async () => {
      await get()
      const r = await ssh(lab.nginx, `cat ${log} 2>/dev/null`)
      return r.stdout.includes('GET /version') ? r.stdout : undefined
    })
    expect(line).toContain('GET /version')
    expect((await write(upstream())).code).toBe(0)
  })

  test('stop() ends every process, namespace, veth and bridge of the lab', async () => {
    const netns = new Set(hosts.map(h => h.netns))
    expect(processesIn(netns).length).toBeGreaterThan(hosts.length)
    const started = performance.now()
    await lab.stop()
    timings.stopMs = Math.round(performance.now() - started)

    expect(processesIn(netns)).toEqual([])
    expect(hosts.filter(h => isAlive(h.pid))).toEqual([])
    // The bridge and every veth (bgfl<labId>h<N>) share the bridge's name as a prefix.
    expect((await run('ip', ['-o', 'link', 'show'])).stdout).not.toContain(lab.bridge)
    expect(fs.existsSync(lab.dir)).toBe(false)
  })
})
