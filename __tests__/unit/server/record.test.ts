import { parseHistory, parseRecord, resultOf, serializeRecord, type DeployRecord } from '../../../src/server/record.js'

describe('state.json and history', () => {
  it('reads a record, defaulting the mode to jar and dropping malformed slots', () => {
    const text = JSON.stringify({
      active: { color: 'blue', port: 8080, release: 'abc' },
      previous: { color: 'red', port: 1, release: 'x' }
    })
    expect(parseRecord(text)).toEqual({
      app: '',
      mode: 'jar',
      live: { color: 'blue', port: 8080, release: 'abc', ref: undefined, since: undefined },
      previous: null,
      deployedBy: { actor: '', runUrl: '', commit: '' }
    })
  })

  it('reads no record from an empty, broken or live-less state.json', () => {
    expect(parseRecord('')).toBeNull()
    expect(parseRecord('{broken')).toBeNull()
    expect(parseRecord('null')).toBeNull()
    expect(parseRecord(JSON.stringify({ mode: 'image', active: null }))).toBeNull()
  })

  it('writes the live slot as "active", the name servers deployed by earlier versions have', () => {
    const record: DeployRecord = {
      app: 'api',
      mode: 'image',
      live: { color: 'green', port: 8081, release: 'sha256:1', ref: 'r@sha256:1', since: 't' },
      previous: null,
      deployedBy: { actor: 'me', runUrl: 'u', commit: 'c' }
    }
    const text = serializeRecord(record)
    expect(JSON.parse(text)).toEqual({ app: 'api', mode: 'image', active: record.live, previous: null, deployedBy: record.deployedBy })
    expect(text.endsWith('}\n')).toBe(true)
    expect(parseRecord(text)).toEqual(record)
  })

  it('reads history lines, skipping blank and broken ones', () => {
    const entry = { time: 't', command: 'deploy', result: 'deployed' }
    expect(parseHistory(`${JSON.stringify(entry)}\n\n{broken\n${JSON.stringify({ ...entry, time: 'u' })}\n`)).toEqual([
      entry,
      { ...entry, time: 'u' }
    ])
  })

  it('names each successful command', () => {
    expect(['deploy', 'redeploy', 'rollback'].map(resultOf)).toEqual(['deployed', 'redeployed', 'rolled-back'])
  })

  it('keeps the management port of a slot, and reads records written before there was one', () => {
    const record: DeployRecord = {
      app: 'api',
      mode: 'jar',
      live: { color: 'green', port: 8081, managementPort: 18082, release: 'r2', since: 't' },
      previous: { color: 'blue', port: 8080, managementPort: 18081, release: 'r1' },
      deployedBy: { actor: 'me', runUrl: 'u', commit: 'c' }
    }
    expect(parseRecord(serializeRecord(record))).toEqual(record)
    const older = parseRecord(JSON.stringify({ active: { color: 'blue', port: 8080, release: 'r1' } }))
    expect(older?.live).not.toHaveProperty('managementPort')
    expect(
      parseRecord(JSON.stringify({ active: { color: 'blue', port: 8080, managementPort: 'x', release: 'r1' } }))?.live
    ).not.toHaveProperty('managementPort')
  })
})
