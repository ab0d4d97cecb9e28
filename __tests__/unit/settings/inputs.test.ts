import { InputError } from '../../../src/errors.js'
import { parseHostPort, parseHosts } from '../../../src/settings/inputs.js'

describe('parseHostPort', () => {
  it.each([
    ['app1.example.com', { host: 'app1.example.com', port: 22 }],
    ['app1.example.com:2222', { host: 'app1.example.com', port: 2222 }],
    ['10.0.0.7:2200', { host: '10.0.0.7', port: 2200 }],
    ['[2001:db8::7]:2200', { host: '2001:db8::7', port: 2200 }],
    ['[2001:db8::7]', { host: '2001:db8::7', port: 22 }],
    ['2001:db8::7', { host: '2001:db8::7', port: 22 }],
    ['::1', { host: '::1', port: 22 }]
  ])('reads %s', (value, expected) => {
    expect(parseHostPort('nginx-host', value, 22)).toEqual(expected)
  })

  it.each([
    ['app 1', /Input 'nginx-host' is invalid: got "app 1", expected host names or IP addresses, each optionally with :port/],
    ['app;reboot', /Input 'nginx-host' is invalid: got "app;reboot", expected host names or IP addresses/],
    ['app1:ssh', /Input 'nginx-host' is invalid: got "app1:ssh", expected host names or IP addresses/],
    ['[app1]:22', /Input 'nginx-host' is invalid: got "\[app1\]:22", expected host names or IP addresses/],
    ['app1:0', /Input 'nginx-host' is invalid: got "app1:0", expected .*port from 1 to 65535/],
    ['app1:99999', /Input 'nginx-host' is invalid: got "app1:99999", expected .*port from 1 to 65535/],
    ['[::1]:70000', /Input 'nginx-host' is invalid: got "\[::1\]:70000", expected .*port from 1 to 65535/]
  ])('refuses %s naming the input, the value and the expected form', (value, message) => {
    expect(() => parseHostPort('nginx-host', value, 22)).toThrow(InputError)
    expect(() => parseHostPort('nginx-host', value, 22)).toThrow(message)
  })
})

describe('parseHosts', () => {
  it('reads hosts separated by commas or newlines, each with its label as given and the default port where none is given', () => {
    expect(parseHosts('app1, app2:2222\n[2001:db8::7]:2200\n\n2001:db8::8,', 22)).toEqual([
      { label: 'app1', host: 'app1', port: 22 },
      { label: 'app2:2222', host: 'app2', port: 2222 },
      { label: '[2001:db8::7]:2200', host: '2001:db8::7', port: 2200 },
      { label: '2001:db8::8', host: '2001:db8::8', port: 22 }
    ])
  })

  it.each([
    ['app1, app2, app1', /Input 'host' is invalid: got "app1, app2, app1", expected each host once \(app1 is listed twice\)/],
    ['app1, app1:22', /expected each host once \(app1:22 is listed twice\)/],
    ['[::1]:22\n::1', /expected each host once \(::1 is listed twice\)/]
  ])('refuses a host listed twice, also when written differently: %p', (value, message) => {
    expect(() => parseHosts(value, 22)).toThrow(message)
  })

  it('takes one host on two ports as two hosts', () => {
    expect(parseHosts('app1:22, app1:2222', 22).map(h => h.port)).toEqual([22, 2222])
  })

  it('refuses an empty list and a bad item, naming the item', () => {
    expect(() => parseHosts(' ,\n', 22)).toThrow(/Input 'host' is invalid: got " ,\\n", expected the server host name or IP address/)
    expect(() => parseHosts('app1, app 2', 22)).toThrow(/Input 'host' is invalid: got "app 2", expected host names or IP addresses/)
  })
})
