import { forkOf, refuseFork } from '../../../src/preview/guard.js'
import { previewInstance, previewLock } from '../../../src/preview/instance.js'
import { readSettings } from '../../../src/settings/settings.js'

function settingsFrom(inputs: Record<string, string>) {
  const all: Record<string, string> = {
    host: 'srv',
    username: 'deploy',
    password: 'pw',
    jar: 'x.jar',
    'app-name': 'shop',
    command: 'preview',
    ...inputs
  }
  return readSettings(name => all[name] ?? '', 'acme/shop', 42)
}

describe('preview environment', () => {
  const env = 'DB_PASSWORD=prod-db-secret\nSHARED=prod'

  it("gets preview-env only, not production's env, by default", () => {
    const settings = settingsFrom({ env, 'preview-env': 'SHARED=preview\nPREVIEW_TOKEN=pv-secret' })
    expect(previewInstance(settings, 42, [9000, 9001]).env).toEqual([
      ['SHARED', 'preview'],
      ['PREVIEW_TOKEN', 'pv-secret']
    ])
    expect(settings.secrets).toEqual(expect.arrayContaining(['prod-db-secret', 'pv-secret']))
  })

  it('with preview-inherit-env, gets env with preview-env on top', () => {
    const settings = settingsFrom({ env, 'preview-env': 'SHARED=preview', 'preview-inherit-env': 'true' })
    expect(previewInstance(settings, 42, [9000, 9001]).env).toEqual([
      ['DB_PASSWORD', 'prod-db-secret'],
      ['SHARED', 'preview']
    ])
  })

  it.each([
    ['preview-env', 'not a line', /Input 'preview-env' is invalid: got .*, expected lines of KEY=VALUE/],
    ['preview-inherit-env', 'maybe', /Input 'preview-inherit-env' is invalid: got "maybe", expected true or false/],
    ['preview-allow-forks', 'sometimes', /Input 'preview-allow-forks' is invalid: got "sometimes", expected true or false/]
  ])('rejects %s=%s naming the input, value and expected form', (input, value, message) => {
    expect(() => settingsFrom({ [input]: value })).toThrow(message)
  })
})

describe('preview lock', () => {
  it('lives under production’s remote-dir, outside the preview’s own directory', () => {
    const settings = settingsFrom({})
    expect(previewLock(settings, 7)).toMatchObject({ appName: 'shop-pr-7', remoteDir: 'bluegreen/shop/previews/pr-7' })
    expect(previewInstance(settings, 7, [9000, 9001]).remoteDir).toBe('bluegreen/shop-pr-7')
  })
})

describe('pull requests from forks', () => {
  const event = (head: string | null, base = 'acme/shop') => ({
    pull_request: { head: { repo: head ? { full_name: head } : null }, base: { repo: { full_name: base } } }
  })

  it('knows a fork by its head repository', () => {
    expect(forkOf(event('acme/shop'))).toBeNull()
    expect(forkOf(event('mallory/shop'))).toBe('mallory/shop')
    expect(forkOf(event(null))).toBe('a deleted repository')
    expect(forkOf({})).toBeNull()
  })

  it('refuses a fork, saying nothing changed and what to do, unless allowed', () => {
    expect(() => refuseFork(event('mallory/shop'), 5, false)).toThrow(/#5: its code comes from the fork mallory\/shop/)
    try {
      refuseFork(event('mallory/shop'), 5, false)
    } catch (error) {
      expect(error).toMatchObject({
        serverState: 'Nothing was changed on the server.',
        hint: expect.stringMatching(/pull_request_target[\s\S]*preview-allow-forks/)
      })
    }
    expect(() => refuseFork(event('mallory/shop'), 5, true)).not.toThrow()
    expect(() => refuseFork(event('acme/shop'), 5, false)).not.toThrow()
  })
})
