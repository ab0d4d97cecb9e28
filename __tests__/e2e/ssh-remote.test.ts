/** SshRemote against the lab's real sshd: what the deploy relies on from its tunnels. */
import http from 'node:http'
import { startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs } from '../../lab/run-action.mjs'
import { readConnection } from '../../src/settings/connection.js'
import { SshRemote } from '../../src/ssh/ssh-remote.js'

let lab: Lab
let remote: SshRemote

beforeAll(async () => {
  lab = await startLab({ name: 'ssh-remote' })
  const inputs: Record<string, string> = labInputs(lab, 'tunnels')
  const input = (name: string, fallback = '') => inputs[name] || fallback
  remote = await SshRemote.connect(readConnection(input, input))
})
afterAll(async () => {
  await remote?.close()
  await lab?.stop()
})

/** One GET on a kept-alive connection, as the health checks make them; the connection stays open. */
function getKeptAlive(port: number, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, response => {
        response.resume()
        response.on('end', () => resolve(response.statusCode ?? 0))
      })
      .on('error', reject)
  })
}

describe('SshRemote tunnels', () => {
  it('closing a tunnel with a kept-alive connection waits for sshd to close each channel, not for its time bound', async () => {
    const tunnel = await remote.openTunnel(lab.nginxPort)
    const agent = new http.Agent({ keepAlive: true })
    try {
      expect(await getKeptAlive(tunnel.localPort, agent)).toBeGreaterThan(0)
      expect(await tunnel.close()).toEqual({ unconfirmed: 0 })
    } finally {
      agent.destroy()
    }
  })
})
