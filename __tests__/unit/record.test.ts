import { parseHistory, parseRecord, resultOf } from '../../src/record.js'

describe('state.json and history', () => {
  it('reads a record, defaulting the mode to jar and dropping malformed slots', () => {
    expect(parseRecord({ active: { color: 'blue', port: 8080, release: 'abc' }, previous: { color: 'red', port: 1, release: 'x' } })).toEqual({
      mode: 'jar', active: { color: 'blue', port: 8080, release: 'abc', ref: undefined, since: undefined }, previous: null
    })
    expect(parseRecord({ mode: 'image', active: null })).toEqual({ mode: 'image', active: null, previous: null })
    expect(parseRecord(null)).toBeNull()
  })

  it('reads history lines, skipping blank and broken ones', () => {
    const entry = { time: 't', command: 'deploy', result: 'deployed' }
    expect(parseHistory(`${JSON.stringify(entry)}\n\n{broken\n${JSON.stringify({ ...entry, time: 'u' })}\n`)).toEqual([entry, { ...entry, time: 'u' }])
  })

  it('names each successful command', () => {
    expect(['deploy', 'redeploy', 'rollback'].map(resultOf)).toEqual(['deployed', 'redeployed', 'rolled-back'])
  })
})
