import { script, withSudo } from '../../../src/commands/script.js'

describe('script', () => {
  it('runs the constant body with sh -c, values as positional arguments after $0 = sh', () => {
    expect(script('echo "$1"', ['a b', '$(id)'])).toStrictEqual(['sh', '-c', 'echo "$1"', 'sh', 'a b', '$(id)'])
    expect(script('true', [])).toStrictEqual(['sh', '-c', 'true', 'sh'])
  })
})

describe('withSudo', () => {
  it('prefixes sudo -n (never prompt) only when asked', () => {
    expect(withSudo(['rm', '-f', 'x'], true)).toStrictEqual(['sudo', '-n', 'rm', '-f', 'x'])
    expect(withSudo(['rm', '-f', 'x'], false)).toStrictEqual(['rm', '-f', 'x'])
  })
})
