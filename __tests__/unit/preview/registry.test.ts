import { allocatePorts, byAge } from '../../../src/preview/registry.js'
import { previewInstance } from '../../../src/preview/preview.js'
import { readSettings } from '../../../src/settings/settings.js'

describe('preview ports', () => {
  const range = { first: 9000, last: 9005 }

  it('takes the lowest free pair, skipping other previews and anything listening', () => {
    expect(allocatePorts(range, {}, () => false)).toEqual([9000, 9001])
    const registry = { 7: { number: 7, ports: [9000, 9001] as [number, number], createdAt: '2026-01-01' } }
    expect(allocatePorts(range, registry, port => port === 9003)).toEqual([9004, 9005])
    expect(allocatePorts(range, registry, port => port >= 9002)).toBeNull()
  })

  it('orders previews oldest first', () => {
    const registry = {
      2: { number: 2, ports: [1, 2] as [number, number], createdAt: '2026-02-01' },
      1: { number: 1, ports: [3, 4] as [number, number], createdAt: '2026-01-01' }
    }
    expect(byAge(registry).map(entry => entry.number)).toEqual([1, 2])
  })
})

describe('preview instance', () => {
  const settings = readSettings(
    name =>
      ({
        host: 'srv',
        username: 'deploy',
        password: 'pw',
        jar: 'x.jar',
        'app-name': 'shop',
        command: 'preview',
        'preview-nginx-dir': '/etc/nginx/previews',
        'preview-domain': 'pr.example.com'
      })[name] ?? '',
    'acme/shop',
    42
  )

  it('is its own app with its own directory, ports and nginx file', () => {
    const instance = previewInstance(settings, 42, [9010, 9011])
    expect(instance).toMatchObject({ appName: 'shop-pr-42', remoteDir: 'bluegreen/shop-pr-42', slots: { blue: 9010, green: 9011 } })
    expect(instance.nginx.include).toBe('/etc/nginx/previews/shop-pr-42.conf')
    expect(instance.nginx.template).toContain('server_name pr-42.pr.example.com;')
    expect(instance.nginx.template).toContain('proxy_pass http://127.0.0.1:{port};')
    expect(instance.nginx.verify).toEqual({ kind: 'auto' })
  })

  it('refuses a port range that overlaps the production slots', () => {
    expect(() =>
      readSettings(
        name => ({ host: 'srv', username: 'deploy', password: 'pw', jar: 'x.jar', 'preview-ports': '8000-8090' })[name] ?? '',
        'acme/shop'
      )
    ).toThrow(/Input 'preview-ports' is invalid: got "8000-8090", expected a range that leaves out the production slots \(8080, 8081\)/)
  })
})
