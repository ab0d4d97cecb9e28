/** The strategy inputs across hosts, and what is refused outside one server (settings/fleet.ts). */
import { readSettings } from '../../../src/settings/settings.js'

const BASE: Record<string, string> = { host: 'example.com', username: 'deploy', password: 'pw', jar: 'app.jar' }
const settingsFrom = (inputs: Record<string, string>) => readSettings(name => ({ ...BASE, ...inputs })[name] ?? '', 'acme/orders-api')
const fleetOf = (inputs: Record<string, string>) => settingsFrom(inputs).fleet

const ONE_SERVER_WHY = "with several hosts, 'nginx-host' or a rolling or canary 'strategy'"

describe('strategies', () => {
  it('reads the strategy, the rolling batch and the canary inputs', () => {
    const fleet = fleetOf({
      host: 'a, b, c',
      strategy: 'Canary',
      'rolling-batch': '2',
      'canary-steps': '5%, 25%\n50%,100%',
      'canary-interval': '5m',
      'canary-max-error-rate': '2.5%',
      'canary-max-latency-ratio': '2',
      'canary-latency-allowance': '50ms'
    })
    expect(fleet.strategy).toBe('canary')
    expect(fleet.rollingBatch).toBe(2)
    expect(fleet.canary).toEqual({
      steps: [5, 25, 50, 100],
      intervalMs: 300_000,
      maxErrorRate: 0.025,
      maxLatencyRatio: 2,
      latencyAllowanceMs: 50
    })
  })

  const rates = { '1%': 0.01, '0.01': 0.01, '.05': 0.05, '0': 0, '0%': 0, '100%': 1, '1': 1 }
  it.each(Object.entries(rates))('reads canary-max-error-rate %p as %p', (value, rate) => {
    expect(fleetOf({ 'canary-max-error-rate': value }).canary.maxErrorRate).toBe(rate)
  })

  it.each([['100'], ['1, 50,100%'], ['25,100']])('reads canary-steps %p', value => {
    expect(fleetOf({ 'canary-steps': value }).canary.steps.at(-1)).toBe(100)
  })

  it.each([
    ['strategy', 'big-bang', 'one of blue-green, rolling, canary'],
    ['rolling-batch', '0', 'a whole number from 1 to 1000'],
    ['canary-interval', 'a while', 'a duration such as 500ms, 30s, 2m or a number of seconds'],
    ['canary-max-error-rate', '5', 'a share such as 1% or 0.01'],
    ['canary-max-error-rate', '101%', 'a share such as 1% or 0.01'],
    ['canary-max-error-rate', '-1%', 'a share such as 1% or 0.01'],
    ['canary-max-error-rate', 'one percent', 'a share such as 1% or 0.01'],
    ['canary-max-latency-ratio', '0.9', 'a factor of at least 1, such as 1.5 (canary p95 at most 1.5 × stable p95)'],
    ['canary-max-latency-ratio', '1.5x', 'a factor of at least 1'],
    ['canary-latency-allowance', 'little', 'a duration such as 500ms']
  ])('refuses %s=%p naming the input, value and expected form', (name, value, expected) => {
    expect(() => fleetOf({ [name]: value })).toThrow(`Input '${name}' is invalid: got ${JSON.stringify(value)}, expected ${expected}`)
  })

  it.each(['50,10,100', '10,10,100', '10,50', '0,100', '10.5,100', '10,50,150', 'ten,100', '0x0A,100', '1e1,100', ','])(
    'refuses canary-steps=%p',
    value => {
      expect(() => fleetOf({ 'canary-steps': value })).toThrow(
        `Input 'canary-steps' is invalid: got ${JSON.stringify(value)}, expected rising traffic shares in percent ending at 100, such as 5,25,50,100.`
      )
    }
  )
})

describe('what runs on one server only', () => {
  it.each([
    ['several hosts', { host: 'app1, app2' }],
    ['nginx-host', { 'nginx-host': 'lb' }],
    ['strategy rolling', { strategy: 'rolling' }]
  ])('is refused with %s', (_, inputs) => {
    expect(() => settingsFrom({ ...inputs, command: 'preview', 'pr-number': '7' })).toThrow(
      `Input 'command' is invalid: got "preview", expected deploy, redeploy, rollback or status ${ONE_SERVER_WHY} (previews run on one server).`
    )
    expect(() => settingsFrom({ ...inputs, command: 'preview-destroy', 'pr-number': '7' })).toThrow(
      `Input 'command' is invalid: got "preview-destroy"`
    )
    expect(() => settingsFrom({ ...inputs, 'keep-previous': '10m' })).toThrow(
      `Input 'keep-previous' is invalid: got "600s", expected 0 ${ONE_SERVER_WHY}.`
    )
    expect(() => settingsFrom({ ...inputs, 'before-switch': './smoke.sh' })).toThrow(
      `Input 'before-switch' is invalid: got "(set)", expected empty ${ONE_SERVER_WHY}.`
    )
    expect(() => settingsFrom({ ...inputs, 'after-switch': './notify.sh' })).toThrow(
      `Input 'after-switch' is invalid: got "(set)", expected empty ${ONE_SERVER_WHY}.`
    )
  })

  it('refuses image mode where nginx reaches an app host over the network, and takes it with nginx on the one app host', () => {
    const image = { jar: '', image: 'ghcr.io/acme/api:1' }
    expect(() => settingsFrom({ ...image, host: 'app1, app2' })).toThrow(
      `Input 'image' is invalid: got "ghcr.io/acme/api:1", expected a jar while nginx reaches an app host over the network (app2): ` +
        "image mode publishes the container's ports on 127.0.0.1 only"
    )
    expect(() => settingsFrom({ ...image, 'nginx-host': 'lb' })).toThrow(`over the network (example.com)`)
    expect(settingsFrom({ ...image, strategy: 'rolling' }).artifact).toEqual({ kind: 'image', ref: 'ghcr.io/acme/api:1' })
  })

  it('is allowed on one server, and across hosts every other command is', () => {
    const one = settingsFrom({ 'keep-previous': '10m', 'before-switch': './smoke.sh', 'after-switch': './notify.sh' })
    expect(one.keepPreviousMs).toBe(600_000)
    expect(settingsFrom({ command: 'preview', 'pr-number': '7' }).command).toBe('preview')
    for (const command of ['deploy', 'redeploy', 'rollback', 'status'])
      expect(settingsFrom({ host: 'app1, app2', command, 'keep-previous': '0' }).command).toBe(command)
  })
})
