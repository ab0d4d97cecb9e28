import { redactor } from '../../src/report/outputs.js'
import { readSettings } from '../../src/settings/settings.js'

describe('redactor', () => {
  const settings = readSettings(
    name =>
      ({
        host: 'srv',
        username: 'deploy',
        password: 'hunter2-pass',
        jar: 'x.jar',
        'host-fingerprint': '',
        env: 'DB_PASSWORD=s3cr3t!\nDEBUG=1'
      })[name] ?? '',
    'acme/api'
  )

  it('blanks every secret out of text from the server', () => {
    expect(redactor(settings)('login hunter2-pass failed; db s3cr3t! refused')).toBe('login *** failed; db *** refused')
  })

  it('leaves very short values alone (they are still masked in the log by the runner)', () => {
    expect(redactor(settings)('DEBUG is 1')).toBe('DEBUG is 1')
  })

  it('passes text through when there are no settings yet', () => {
    expect(redactor(undefined)('anything')).toBe('anything')
  })
})
