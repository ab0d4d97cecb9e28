import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttps, type Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { NginxProxy } from '../../../src/proxy/nginx-proxy.js'
import type { NginxFacts } from '../../../src/server/probe.js'
import { readSettings } from '../../../src/settings/settings.js'
import { FakeRemote, fail, ok } from '../../support/fake-remote.js'

const INCLUDE = '/etc/nginx/conf.d/service-url.inc'
const SITE = `server { listen 443 ssl; listen 80; server_name shop.example.com; include ${INCLUDE}; }`

function settings(inputs: Record<string, string> = {}) {
  const all: Record<string, string> = { host: 'srv', username: 'deploy', password: 'pw', jar: 'x.jar', 'app-name': 'api', ...inputs }
  return readSettings(name => all[name] ?? '')
}

function facts(overrides: Partial<NginxFacts> = {}): NginxFacts {
  return {
    user: 'deploy',
    includeWritable: false,
    sudo: [true, true, true, true].map(allowed => ({ allowed, path: '', said: '' })),
    dumpStatus: 'ok',
    config: [
      '# configuration file /etc/nginx/nginx.conf:',
      'http { include sites-enabled/*; }',
      '# configuration file /etc/nginx/sites-enabled/shop:',
      SITE
    ].join('\n'),
    ...overrides
  }
}

function proxy(remote: FakeRemote, nginx: Partial<NginxFacts> = {}, isRoot = false, inputs: Record<string, string> = {}) {
  return new NginxProxy(remote, settings(inputs), { isRoot, nginx: facts(nginx) })
}

describe('NginxProxy.preflight', () => {
  it('finds the server block in nginx -T and verifies through its TLS listener with its server_name', async () => {
    const remote = new FakeRemote()
    expect(await proxy(remote).preflight()).toEqual({
      note: `nginx includes it at /etc/nginx/sites-enabled/shop:1; verifies through https://shop.example.com/actuator/health (at 127.0.0.1:443)`,
      warnings: []
    })
    expect(remote.commands).toEqual([])
  })

  it('reads the configuration files when nginx -T cannot be used, one round trip per level of includes', async () => {
    const remote = new FakeRemote().on(
      'read nginx configuration',
      ok(`# bluegreen-include: /etc/nginx/sites-enabled/*\n# configuration file /etc/nginx/sites-enabled/shop:\n${SITE}\n`)
    )
    const found = await proxy(remote, {
      dumpStatus: 'not run',
      config: '# configuration file /etc/nginx/nginx.conf:\nhttp { include sites-enabled/*; }\n'
    }).preflight()
    expect(found.note).toMatch(/^nginx includes it at \/etc\/nginx\/sites-enabled\/shop:1; verifies through https:/)
    expect(remote.commands.map(c => [c.label, c.argv.slice(3)])).toEqual([
      ['read nginx configuration', ['sh', '/etc/nginx/sites-enabled/*']]
    ])
  })

  it('refuses, naming the include and what was read, when no server block includes it', async () => {
    const remote = new FakeRemote()
    await expect(
      proxy(remote, { config: '# configuration file /etc/nginx/nginx.conf:\nhttp { server { listen 80; } }' }).preflight()
    ).rejects.toMatchObject({
      message: `No nginx server block includes ${INCLUDE}, so switching it would change nothing. Read: 'nginx -T' (/etc/nginx/nginx.conf).`,
      serverState: 'Nothing was changed on the server; the live version keeps serving.'
    })
  })

  it('refuses when the configuration cannot be read and nothing says where to verify; warns when verify-url does', async () => {
    const unread = { dumpStatus: 'not run', config: '# bluegreen-unreadable: /etc/nginx/nginx.conf' }
    await expect(proxy(new FakeRemote(), unread).preflight()).rejects.toThrow(
      /Could not read the nginx configuration to find the server block that includes .*: the login user cannot read \/etc\/nginx\/nginx.conf\. Tried: \/etc\/nginx\/nginx.conf and the files it includes, as 'deploy' can read them \('nginx -T' could not be used\)\./
    )
    const remote = new FakeRemote(() => 1)
    const withUrl = proxy(remote, unread, false, { 'verify-url': 'https://shop.example.com/health' })
    expect((await withUrl.preflight()).warnings).toEqual([
      expect.stringMatching(/Could not read the nginx configuration.*Not checked that nginx reads the include\./)
    ])
    // The check through the URL still runs (and here finds nothing listening).
    await expect(withUrl.verify()).rejects.toThrow(/https:\/\/shop.example.com\/health \(at 127.0.0.1:443\) → /)
    expect(remote.tunnels).toEqual([443])
  })

  it('refuses a user that would write the include itself but cannot', async () => {
    await expect(proxy(new FakeRemote(), { includeWritable: false }, false, { sudo: 'false' }).preflight()).rejects.toThrow(
      `The login user 'deploy' cannot write the nginx include ${INCLUDE}, and 'sudo' is 'false'.`
    )
    await expect(proxy(new FakeRemote(), { includeWritable: true }, false, { sudo: 'false' }).preflight()).resolves.toBeTruthy()
  })
})

describe('NginxProxy.switchTo', () => {
  it('writes the include, tests and reloads in one remote command, each part with its own argv', async () => {
    const remote = new FakeRemote()
    const stages: string[] = []
    await proxy(remote).switchTo({ color: 'green', port: 8081 }, stage => stages.push(stage))
    expect(remote.sent).toHaveLength(1)
    expect(remote.sent[0].label).toBe('switch nginx')
    expect(remote.sent[0].stdin).toBe('set $service_url http://127.0.0.1:8081;\n')
    expect(remote.sent[0].argv.slice(3)).toEqual([
      'sh',
      'write nginx include',
      '4',
      'sudo',
      '-n',
      'tee',
      INCLUDE,
      'nginx config test',
      '4',
      'sudo',
      '-n',
      'nginx',
      '-t',
      'nginx reload',
      '5',
      'sudo',
      '-n',
      'nginx',
      '-s',
      'reload'
    ])
    expect(stages).toEqual(['include-written', 'reloaded'])
  })

  it('names the part that failed, and knows nginx was not reloaded when its test failed', async () => {
    const remote = new FakeRemote().on('nginx config test', fail(1, 'nginx: [emerg] unknown directive "sett"'))
    const stages: string[] = []
    const switching = proxy(remote).switchTo({ color: 'green', port: 8081 }, stage => stages.push(stage))
    await expect(switching).rejects.toThrow(/Remote step 'nginx config test' exited with code 1.*unknown directive/s)
    expect(stages).toEqual(['include-written'])
    expect(remote.labels()).toEqual(['write nginx include', 'nginx config test'])
  })
})

describe('NginxProxy.restore', () => {
  it('empties the include with sudo tee when there was none before (sudo allows nothing else)', async () => {
    const remote = new FakeRemote()
    const restored = await proxy(remote).restore(null)
    expect(remote.commands.map(c => [c.argv, c.stdin])).toEqual([
      [['sudo', '-n', 'tee', INCLUDE], ''],
      [['sudo', '-n', 'nginx', '-t'], undefined],
      [['sudo', '-n', 'nginx', '-s', 'reload'], undefined]
    ])
    expect(restored).toEqual({
      restored: true,
      note: 'the nginx include did not exist before and was emptied (sudo allows only tee of it) and nginx reloaded'
    })
  })

  it('removes it without sudo, and writes the previous text back with sudo tee', async () => {
    const root = new FakeRemote()
    await proxy(root, {}, true).restore(null)
    expect(root.commands[0].argv).toEqual(['rm', '-f', '--', INCLUDE])
    const remote = new FakeRemote().on('nginx reload', fail(1, 'nginx: [alert] kill(1234, 1) failed'))
    const restored = await proxy(remote).restore('set $service_url http://127.0.0.1:8080;\n')
    expect(remote.commands[0]).toEqual({
      label: 'restore nginx include',
      argv: ['sudo', '-n', 'tee', INCLUDE],
      stdin: 'set $service_url http://127.0.0.1:8080;\n'
    })
    expect(restored.note).toMatch(/^the nginx include was restored, but reloading nginx failed \(nginx: \[alert\]/)
  })
})

describe('NginxProxy.verify over TLS', () => {
  let server: HttpsServer
  const seen: { host?: string; servername?: string | false | null }[] = []
  let certDir: string

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'cert-'))
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=other.test',
        '-keyout',
        join(certDir, 'key.pem'),
        '-out',
        join(certDir, 'cert.pem')
      ],
      { stdio: 'ignore' }
    )
    server = createHttps({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, (req, res) => {
      seen.push({ host: req.headers.host, servername: (req.socket as TLSSocket).servername })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP"}')
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    await new Promise(resolve => server.close(resolve))
    rmSync(certDir, { recursive: true, force: true })
  })

  it('asks through the tunnel with the server_name as Host and TLS server name, whatever the certificate names', async () => {
    const remote = new FakeRemote(() => (server.address() as AddressInfo).port)
    const nginx = proxy(remote)
    await nginx.preflight()
    expect(await nginx.verify()).toBe('https://shop.example.com/actuator/health (at 127.0.0.1:443) → HTTP 200, status UP')
    expect(remote.tunnels).toEqual([443])
    expect(remote.tunnelHosts).toEqual(['127.0.0.1'])
    expect(seen.at(-1)).toEqual({ host: 'shop.example.com', servername: 'shop.example.com' })
  })
})

describe('NginxProxy with an include the login user owns', () => {
  it('writes it itself, and runs only the nginx commands through sudo', async () => {
    const remote = new FakeRemote()
    const nginx = proxy(remote, {
      includeWritable: true,
      sudo: [false, true, true, true].map(allowed => ({ allowed, path: '', said: '' }))
    })
    await nginx.preflight()
    await nginx.switchTo({ color: 'green', port: 8081 }, () => {})
    expect(remote.commands.map(c => c.argv.slice(0, 3))).toEqual([
      ['sh', '-c', expect.stringContaining('cp -p -- "$target" "$tmp"')],
      ['sudo', '-n', 'nginx'],
      ['sudo', '-n', 'nginx']
    ])
  })
})
