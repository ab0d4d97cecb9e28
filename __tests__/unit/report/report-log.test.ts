import { Report, type ReportLog } from '../../../src/report/report.js'
import { tracedRemote } from '../../../src/ssh/traced-remote.js'
import { FakeRemote, fail, ok } from '../../support/fake-remote.js'

/** A ReportLog that writes what @actions/core would print, so that groups and debug lines can be read back. */
function recordingLog(): { log: ReportLog; lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    log: {
      info: line => lines.push(line),
      debug: line => lines.push(`::debug::${line}`),
      startGroup: title => lines.push(`::group::${title}`),
      endGroup: () => lines.push('::endgroup::')
    }
  }
}

describe('the step log', () => {
  it("folds each step's lines in a group, with how it went after the group", async () => {
    const { log, lines } = recordingLog()
    const report = new Report(log)
    await report.step('Health check', async note => {
      report.debug('tunnel to 127.0.0.1:8081 open')
      note('3 attempt(s) on :8081')
    })
    await expect(report.step('Switch nginx', async () => Promise.reject(new Error('nginx -t failed')))).rejects.toThrow()
    expect(lines).toEqual([
      '::group::Health check',
      '::debug::tunnel to 127.0.0.1:8081 open',
      '::endgroup::',
      expect.stringMatching(/^ {2}✓ Health check \(\d+ ms\): 3 attempt\(s\) on :8081$/),
      '::group::Switch nginx',
      '::endgroup::',
      expect.stringMatching(/^ {2}✗ Switch nginx \(\d+ ms\)$/)
    ])
  })

  it("keeps a step inside a step, and a block of server text inside a step, in the outer step's group", async () => {
    const { log, lines } = recordingLog()
    const report = new Report(log)
    await report.step('Run before-switch hook', async () => {
      report.block('Output of the before-switch hook (exit code 0)', 'migrated\n::add-mask::x\n')
      await report.step('Inner', async () => {})
    })
    expect(lines.filter(line => /group::/.test(line))).toEqual(['::group::Run before-switch hook', '::endgroup::'])
    expect(lines).toContain('Output of the before-switch hook (exit code 0)\nmigrated\n\\::add-mask::x')
    expect(lines).toContain('▶ Inner')
  })

  it('gives a block outside any step a group of its own, with an inert title and text', () => {
    const { log, lines } = recordingLog()
    new Report(log).block('Log of the new version\n##[error]x', 'boot\n##[error]bad\n\n')
    expect(lines).toEqual(['::group::Log of the new version #\\#[error]x', 'boot\n#\\#[error]bad', '::endgroup::'])
  })
})

describe('tracedRemote', () => {
  it('tells the debug log which connection ran each command, how it ended and how long it took', async () => {
    const remote = new FakeRemote(() => 40001).on('read server state', ok('live blue\n')).on('stop app', fail(3, 'no such process'))
    const debug: string[] = []
    const traced = tracedRemote(remote, 'deploy@web1:22', line => debug.push(line))
    await traced.exec({ argv: ['true'], label: 'read server state' })
    await traced.exec({ argv: ['false'], label: 'stop app' })
    const tunnel = await traced.openTunnel(8081)
    await tunnel.close()
    expect(debug).toEqual([
      expect.stringMatching(/^deploy@web1:22: 'read server state': exit code 0, 10 B stdout, 0 B stderr in \d+ ms$/),
      expect.stringMatching(/^deploy@web1:22: 'stop app': exit code 3, 0 B stdout, 15 B stderr in \d+ ms$/),
      expect.stringMatching(/^deploy@web1:22: tunnel to 127.0.0.1:8081: open on 127.0.0.1:40001 in \d+ ms$/),
      expect.stringMatching(/^deploy@web1:22: tunnel to 127.0.0.1:8081 closed: 0 channel\(s\) unconfirmed in \d+ ms$/)
    ])
    expect(remote.labels()).toEqual(['read server state', 'stop app'])
  })

  it('tells it when a command failed to run at all, and passes the error on', async () => {
    const remote = new FakeRemote()
    remote.exec = async () => Promise.reject(new Error('Lost the SSH connection'))
    const debug: string[] = []
    await expect(tracedRemote(remote, 'd@h:22', line => debug.push(line)).exec({ argv: ['x'], label: 'probe' })).rejects.toThrow(
      'Lost the SSH connection'
    )
    expect(debug).toEqual([expect.stringMatching(/^d@h:22: 'probe': failed after \d+ ms: Lost the SSH connection$/)])
  })
})
