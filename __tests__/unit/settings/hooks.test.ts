import { previewInstance } from '../../../src/preview/instance.js'
import { readSettings } from '../../../src/settings/settings.js'

function settingsFrom(inputs: Record<string, string>) {
  const all: Record<string, string> = { host: 'example.com', username: 'deploy', password: 'pw', jar: 'app.jar', ...inputs }
  return readSettings(name => all[name] ?? '', 'acme/orders-api')
}

describe('hook settings', () => {
  it('has no hooks and a five-minute timeout by default', () => {
    expect(settingsFrom({}).hooks).toEqual({ beforeSwitch: [], afterSwitch: [], timeoutMs: 300_000 })
  })

  it('splits the hooks into words like a command line, expanding nothing', () => {
    const settings = settingsFrom({
      'before-switch': `sh -c 'curl -fsS "http://127.0.0.1:$BLUEGREEN_PORT/smoke"'`,
      'after-switch': './notify.sh "deployed $(date)" \\$HOME',
      'hook-timeout': '90s'
    })
    expect(settings.hooks).toEqual({
      beforeSwitch: ['sh', '-c', 'curl -fsS "http://127.0.0.1:$BLUEGREEN_PORT/smoke"'],
      afterSwitch: ['./notify.sh', 'deployed $(date)', '$HOME'],
      timeoutMs: 90_000
    })
  })

  it.each([
    [
      'before-switch',
      'sh -c "unclosed',
      /Input 'before-switch' is invalid: got "sh -c \\"unclosed", expected words separated by spaces \(unbalanced " quote\)/
    ],
    ['after-switch', '--rm -rf', /Input 'after-switch' is invalid: got "--rm -rf", expected a program name or path/],
    ['before-switch', "'' migrate", /Input 'before-switch' is invalid: got "'' migrate", expected a program name or path/],
    ['hook-timeout', 'soon', /Input 'hook-timeout' is invalid: got "soon", expected a duration/],
    ['hook-timeout', '500ms', /Input 'hook-timeout' is invalid: got "500ms", expected at least 1s/]
  ])('refuses %s %p', (input, value, message) => {
    expect(() => settingsFrom({ [input]: value })).toThrow(message)
  })

  it('runs no hook for a preview: they are production’s', () => {
    const settings = settingsFrom({ 'before-switch': './migrate.sh', 'after-switch': './notify.sh', 'hook-timeout': '2m' })
    expect(previewInstance(settings, 7, [9001, 9002]).hooks).toEqual({ beforeSwitch: [], afterSwitch: [], timeoutMs: 120_000 })
  })
})
