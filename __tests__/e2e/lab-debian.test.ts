import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import tls from 'node:tls'
import { appSite, isAlive, serviceInclude, startDebianLab, type DebianLab, type DebianUserKey } from '../../lab/lab.mjs'

const RULE_COMMANDS = '/usr/bin/tee /etc/nginx/conf.d/service-url.inc, /usr/sbin/nginx -t, /usr/sbin/nginx -T, /usr/sbin/nginx -s reload'
const README_RULE = `deploy ALL=(root) NOPASSWD: ${RULE_COMMANDS}`
const USERS: [DebianUserKey, string, string][] = [
  ['deploy', 'deploy', '/bin/bash'],
  ['zsh', 'deploy-zsh', '/usr/bin/zsh'],
  ['fish', 'deploy-fish', '/usr/bin/fish']
]

let lab: DebianLab
const servers: http.Server[] = []

beforeAll(async () => {
  lab = await startDebianLab({ name: 'e2e-lab-debian', images: true })
  // Stand-ins for the slots: each answers with its name and what nginx sent it.
  for (const [port, name] of [
    [8080, 'blue'],
    [8081, 'green'],
    [18081, 'blue-monitoring']
  ] as const)
    servers.push(await echoServer(port, name))
}, 20 * 60_000)

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections()
    await new Promise(resolve => s.close(resolve))
  }
  await lab?.stop()
})

function echoServer(port: number, name: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ name, host: req.headers.host, url: req.url, proto: req.headers['x-forwarded-proto'] }))
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

/** Polls through nginx until the named slot answers (a reload takes effect asynchronously). */
async function waitForSlot(pathname: string, name: string): Promise<Record<string, string>> {
  const deadline = Date.now() + 15_000
  let last = ''
  while (Date.now() < deadline) {
    const res = await lab.appGet(pathname)
    last = `${res.status} ${res.body}`
    if (res.status === 200 && JSON.parse(res.body).name === name) return JSON.parse(res.body)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`${pathname} did not reach ${name}; last: ${last}`)
}

/** The rules `sudo -l` lists under "may run the following commands". */
function listedRules(sudoList: string): string[] {
  const lines = sudoList.split('\n')
  const start = lines.findIndex(l => / may run the following commands on /.test(l))
  return start < 0 ? [] : lines.slice(start + 1).filter(l => l.trim() !== '')
}

describe('debian lab profile', () => {
  test('each user logs in by key, with bash, zsh or fish as the login shell', async () => {
    const probes: Record<DebianUserKey, [string, RegExp]> = {
      deploy: ['echo "bash $BASH_VERSION"', /^bash 5\./],
      zsh: ['echo $ZSH_NAME', /^zsh$/],
      fish: ['echo (status fish-path)', /^\/usr\/bin\/fish$/]
    }
    for (const [key, username, shell] of USERS) {
      expect(lab.users[key]).toMatchObject({ username, shell })
      expect(spawnSync('getent', ['passwd', username], { encoding: 'utf8' }).stdout.trim().split(':')[6]).toBe(shell)
      const [command, expected] = probes[key]
      const r = await lab.sshExec(`id -un; ${command}`, { user: key })
      expect(r).toMatchObject({ code: 0, stderr: '' })
      const lines = r.stdout
        .trim()
        .split('\n')
        .slice(key === 'deploy' ? 1 : 0)
      expect(lines[0]).toBe(username)
      expect(lines[1]).toMatch(expected)
    }
  })

  test("deploy's ~/.bashrc greets on its first line, so non-interactive commands print it first", async () => {
    expect(fs.readFileSync('/home/deploy/.bashrc', 'utf8').split('\n')[0]).toBe('echo "Welcome to app-server"')
    expect(lab.greeting).toBe('Welcome to app-server')
    expect((await lab.sshExec('echo ok')).stdout).toBe('Welcome to app-server\nok\n')
    expect((await lab.sshExec('echo ok', { user: 'zsh' })).stdout).toBe('ok\n')
    expect((await lab.sshExec('echo ok', { user: 'fish' })).stdout).toBe('ok\n')
  })

  test("sudo allows each user exactly the README's rule and nothing more", async () => {
    expect((await lab.rootExec('ls /etc/sudoers.d; cat /etc/sudoers.d/deploy')).stdout).toBe(
      `deploy\ndeploy-fish\ndeploy-zsh\n${README_RULE}\n`
    )
    for (const [key, username] of USERS) {
      expect(lab.sudoersRule(username)).toBe(README_RULE.replace(/^deploy /, `${username} `))
      const listed = await lab.sshExec('sudo -n -l', { user: key })
      expect(listed.code).toBe(0)
      expect(listedRules(listed.stdout)).toEqual([`    (root) NOPASSWD: ${RULE_COMMANDS}`])
      const refused = await lab.sshExec('sudo -n true', { user: key })
      expect(refused.code).not.toBe(0)
      expect(refused.stderr).toContain('a password is required')
      // One session per user: `&& ... ||` reads the same in bash, zsh and fish.
      const allowed = ['/usr/sbin/nginx -t', '/usr/sbin/nginx -T', '/usr/sbin/nginx -s reload', 'tee /etc/nginx/conf.d/service-url.inc']
      const denied = ['/bin/sh', 'tee /etc/passwd', '/usr/sbin/nginx -s stop', 'nginx', 'systemctl reload nginx']
      const probe = [...allowed, ...denied].map(c => `sudo -n -l ${c} >/dev/null 2>&1 && echo allowed || echo denied`).join('; ')
      const verdicts = (await lab.sshExec(probe, { user: key })).stdout
        .trim()
        .split('\n')
        .slice(-allowed.length - denied.length)
      expect(verdicts).toEqual([...allowed.map(() => 'allowed'), ...denied.map(() => 'denied')])
    }
  })

  test('nginx serves the app on 127.0.0.1:443 ssl for its server_name, through the include', async () => {
    expect((await lab.rootExec(`cat ${lab.nginxInclude}`)).stdout).toBe('set $service_url http://127.0.0.1:8080;\n')
    const res = await lab.appGet('/actuator/health')
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ name: 'blue', host: 'app.example.test', url: '/actuator/health', proto: 'https' })
    const config = (await lab.sshExec('sudo -n nginx -T')).stdout
    for (const line of [
      'include /etc/nginx/conf.d/*.conf;',
      'include /etc/nginx/sites-enabled/*;',
      'listen 127.0.0.1:443 ssl;',
      'server_name app.example.test;',
      'include /etc/nginx/conf.d/service-url.inc;',
      'proxy_pass $service_url;',
      'listen 127.0.0.1:80 default_server;'
    ])
      expect(config).toContain(line)
    expect(fs.readlinkSync(path.join(lab.etcNginx, 'sites-enabled/app'))).toBe('/etc/nginx/sites-available/app')
  })

  test('the certificate is self-signed for the server name', async () => {
    const cert = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: 443, servername: 'app.example.test', rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate())
        socket.end()
      })
      socket.once('error', reject)
    })
    expect(cert.subject.CN).toBe('app.example.test')
    expect(cert.issuer.CN).toBe('app.example.test')
    expect(cert.subjectaltname).toBe('DNS:app.example.test')
  })

  test("port 80 has Debian's default site, and the app's name is redirected to https", async () => {
    const health = await lab.httpGet('http://127.0.0.1/actuator/health')
    expect(health.status).toBe(404)
    const redirect = await lab.httpGet('http://127.0.0.1/actuator/health', { headers: { Host: 'app.example.test' } })
    expect(redirect.status).toBe(301)
    expect(redirect.headers.location).toBe('https://app.example.test/actuator/health')
  })

  test('everything listens on loopback only', () => {
    const listening = spawnSync('ss', ['-ltnH'], { encoding: 'utf8' })
      .stdout.split('\n')
      .map(l => l.trim().split(/\s+/)[3])
      .filter(Boolean)
    for (const port of [80, 443, lab.sshPort]) {
      const ours = listening.filter(a => a.endsWith(`:${port}`))
      expect(ours).toEqual([`127.0.0.1:${port}`])
    }
  })

  test('deploy switches the include with the sudo rule alone, and nginx follows', async () => {
    const switched = await lab.sshExec(
      'printf "set \\$service_url http://127.0.0.1:8081;\\n" | sudo -n tee /etc/nginx/conf.d/service-url.inc >/dev/null && ' +
        'sudo -n nginx -t && sudo -n nginx -s reload'
    )
    expect(switched).toMatchObject({ code: 0 })
    expect(switched.stderr).toContain('test is successful')
    expect((await waitForSlot('/x', 'green')).host).toBe('app.example.test')
    await lab.writeNginxFile(lab.nginxInclude, serviceInclude())
    await lab.reloadNginx()
    expect(JSON.parse((await lab.appGet('/x')).body).name).toBe('blue')
  })

  test('tests can build variants: a monitoring route, and a server block without the include', async () => {
    await lab.writeNginxFile(lab.nginxInclude, serviceInclude({ port: 8080, monitoringPort: 18081 }))
    await lab.writeNginxFile(lab.appSite, appSite({ monitoring: true }))
    await lab.reloadNginx()
    expect(JSON.parse((await lab.appGet('/monitoring/health')).body)).toMatchObject({ name: 'blue-monitoring', url: '/monitoring/health' })

    await lab.writeNginxFile(lab.appSite, appSite({ include: false }))
    await lab.reloadNginx()
    const config = (await lab.rootExec('nginx -T')).stdout
    expect(config).not.toContain('include /etc/nginx/conf.d/service-url.inc;')
    expect(JSON.parse((await lab.appGet('/x')).body).name).toBe('blue')

    await lab.writeNginxFile(lab.nginxInclude, serviceInclude())
    await lab.writeNginxFile(lab.appSite, appSite())
    await lab.reloadNginx()
    await expect(lab.writeNginxFile('/etc/passwd', 'x')).rejects.toThrow(/only files under \/etc\/nginx/)
  })

  test('sshd runs with default settings (Debian stock): MaxSessions 10, no keepalive', () => {
    const r = spawnSync('/usr/sbin/sshd', ['-T', '-f', lab.sshdConfig], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    const effective = new Map(r.stdout.split('\n').map(l => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]))
    expect(
      Object.fromEntries(['maxsessions', 'clientaliveinterval', 'maxstartups', 'usepam', 'listenaddress'].map(k => [k, effective.get(k)]))
    ).toEqual({
      maxsessions: '10',
      clientaliveinterval: '0',
      maxstartups: '10:30:100',
      usepam: 'yes',
      listenaddress: `127.0.0.1:${lab.sshPort}`
    })
  })

  test('image mode: every user reaches the engine with plain docker, as a member of group docker', async () => {
    expect(lab.docker?.command).toBe('docker')
    for (const [key] of USERS) {
      const r = await lab.sshExec("docker version --format '{{.Server.Version}}' && stat -c '%U:%G %a' /var/run/docker.sock", { user: key })
      expect(r).toMatchObject({ code: 0 })
      expect(r.stdout.trim().split('\n').pop()).toBe('root:docker 660')
    }
  })

  test("the host's /etc/nginx and /etc/sudoers.d are untouched", () => {
    expect(fs.existsSync('/etc/nginx/conf.d/service-url.inc')).toBe(false)
    expect(fs.existsSync('/etc/nginx/sites-enabled/app')).toBe(false)
    expect(fs.readdirSync('/etc/sudoers.d')).not.toContain('deploy')
  })

  test('a second debian lab waits for the first and gives up without touching it', async () => {
    await expect(startDebianLab({ name: 'e2e-lab-debian-second', lockTimeoutMs: 1000 })).rejects.toThrow(/another debian-profile lab/)
    expect((await lab.sshExec('echo still', { user: 'fish' })).stdout).toBe('still\n')
    expect((await lab.appGet('/x')).status).toBe(200)
  })

  test('stop() ends every process, resets the homes and releases the ports', async () => {
    const pids = Object.values(lab.pids)
    await lab.stop()
    expect(pids.filter(isAlive)).toEqual([])
    expect(fs.existsSync('/home/deploy/.ssh')).toBe(false)
    expect(fs.existsSync(lab.dir)).toBe(false)
    const reserved = path.join(process.env.TMPDIR ?? '/tmp', 'bgdeploy-lab-ports')
    for (const port of [80, 443, 8080, 8081, 18080, 18081, 18082]) expect(fs.existsSync(path.join(reserved, String(port)))).toBe(false)
  })
})
