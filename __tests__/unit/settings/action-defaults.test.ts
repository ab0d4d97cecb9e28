/**
 * The runner passes every input that action.yml gives a default to the action, set or not. Those defaults
 * must be ones the settings accept, and mean what the action does when the input is absent (as in tests).
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { readSettings } from '../../../src/settings/settings.js'

const action = parse(readFileSync(new URL('../../../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, { default?: string }>
}
const TOKEN = 'ghs_jobtoken'

/** What the runner sets: action.yml's defaults, with `${{ github.token }}` evaluated. */
const runnerDefaults = Object.fromEntries(
  Object.entries(action.inputs)
    .filter(([, input]) => input.default !== undefined)
    .map(([name, input]) => [name, String(input.default).replace('${{ github.token }}', TOKEN)])
)

const REQUIRED = {
  host: 'example.com',
  username: 'deploy',
  'private-key': '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----',
  'host-fingerprint': 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8'
}

const settings = (inputs: Record<string, string>) => readSettings(name => inputs[name] ?? '', 'acme/orders-api')

describe.each([
  ['jar', { jar: 'build/libs/*.jar' }],
  ['image', { image: 'ghcr.io/acme/orders-api:1.0' }]
])("action.yml's defaults in %s mode", (_, artifact) => {
  it('are accepted, and mean what an absent input means', () => {
    const withDefaults = settings({ ...runnerDefaults, ...REQUIRED, ...artifact })
    const without = settings({ ...REQUIRED, ...artifact })
    expect({ ...withDefaults, preview: { ...withDefaults.preview, githubToken: '' }, secrets: [] }).toEqual({
      ...without,
      secrets: []
    })
  })

  it("give previews the job's token, masked", () => {
    const withDefaults = settings({ ...runnerDefaults, ...REQUIRED, ...artifact })
    expect(withDefaults.preview.githubToken).toBe(TOKEN)
    expect(withDefaults.secrets).toContain(TOKEN)
  })
})
