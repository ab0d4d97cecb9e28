import { emptyOutcome } from '../../src/outcome.js'
import { Report } from '../../src/report/report.js'
import { chooseRelease } from '../../src/rollback.js'
import type { DeployRecord } from '../../src/server/record.js'
import { readSettings } from '../../src/settings/settings.js'
import { singleServer } from '../../src/wiring.js'
import { FakeRemote, ok } from '../support/fake-remote.js'

const sha = (digit: string) => digit.repeat(64)
const KEPT = `${sha('a')} 2026-12-01T10:00\n${sha('b')} 2026-12-01T11:00\n${sha('c')} 2026-12-01T12:00\nabcd${'e'.repeat(60)} 2026-12-01T13:00\n`

const record: DeployRecord = {
  app: 'api',
  mode: 'jar',
  live: { color: 'green', port: 8081, release: sha('c') },
  previous: { color: 'blue', port: 8080, release: sha('b') },
  deployedBy: { actor: 'me', runUrl: '', commit: '' }
}

function context(command: string, release = '') {
  const inputs: Record<string, string> = { host: 'srv', username: 'deploy', password: 'pw', 'app-name': 'api', command, release }
  const settings = readSettings(name => inputs[name] ?? '')
  const remote = new FakeRemote().on('list releases', ok(KEPT))
  const run = { actor: 'me', runUrl: '', commit: '', token: 't' }
  return { settings, remote, report: new Report(), outcome: emptyOutcome(), run, progress: () => {}, jar: null, wire: singleServer }
}

describe('chooseRelease', () => {
  it('redeploys the live release', async () => {
    await expect(chooseRelease(context('redeploy'), record)).resolves.toEqual({
      source: { mode: 'jar', release: sha('c'), ref: undefined }
    })
  })

  it('rolls back to the previous release, reusing it if keep-previous left it running', async () => {
    await expect(chooseRelease(context('rollback'), record)).resolves.toEqual({
      source: { mode: 'jar', release: sha('b'), ref: undefined },
      options: { reuse: record.previous }
    })
  })

  it('rolls back to the one kept release that `release` names by a prefix of its sha256', async () => {
    const chosen = await chooseRelease(context('rollback', 'aaaa'), record)
    expect(chosen.source).toEqual({ mode: 'jar', release: sha('a'), ref: undefined })
  })

  it('refuses a release that is not kept, or that names several, listing what is kept', async () => {
    await expect(chooseRelease(context('rollback', 'ffff'), record)).rejects.toThrow(
      "Release 'ffff' is not kept on the server (kept: aaaaaaaaaaaa, bbbbbbbbbbbb, cccccccccccc, abcdeeeeeeee)."
    )
    await expect(chooseRelease(context('rollback', 'a'), record)).rejects.toThrow(
      "Release 'a' matches 2 kept releases (aaaaaaaaaaaa, abcdeeeeeeee)."
    )
  })

  it('refuses with nothing deployed, or nothing before the live release', async () => {
    await expect(chooseRelease(context('rollback'), null)).rejects.toThrow(
      'Nothing is deployed for api on this server yet (no state file).'
    )
    await expect(chooseRelease(context('rollback'), { ...record, previous: null })).rejects.toThrow(
      'Nothing to roll back to: the server records no previous release of api.'
    )
  })
})
