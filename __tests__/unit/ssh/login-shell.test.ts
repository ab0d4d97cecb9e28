import { framedScript, greetingWarning, loginShellLine, printfFormat, Unframer } from '../../../src/ssh/login-shell.js'

describe('loginShellLine', () => {
  it('sends the login shell sh -c around a printf format that spells the framed command', () => {
    expect(framedScript(['echo', 'hi'], 'M')).toBe('printf %s M; printf %s M >&2; exec echo hi')
    expect(loginShellLine(['echo', 'hi'], 'M')).toBe(`exec sh -c 'eval "$(printf "printf %%s M; printf %%s M >&2; exec echo hi")"'`)
  })

  it('spells every byte that some shell or printf would read specially as an octal escape', () => {
    expect(printfFormat(`'\\!$\`"%\n\té`)).toBe('\\047\\134\\041\\044\\140\\042%%\\012\\011\\303\\251')
    expect(printfFormat('a-z A.Z 0/9 #&()*+,:;<=>?@[]^_{|}~')).toBe('a-z A.Z 0/9 #&()*+,:;<=>?@[]^_{|}~')
  })

  it('quotes the command with shellJoin inside the format', () => {
    const argv = ['sh', '-c', 'echo "$1"', 'sh', "it's $(id)"]
    expect(framedScript(argv, 'M')).toBe(`printf %s M; printf %s M >&2; exec sh -c 'echo "$1"' sh 'it'\\''s $(id)'`)
    expect(loginShellLine(argv, 'M')).toContain(printfFormat(framedScript(argv, 'M')))
  })

  it('sends the login shell only characters every shell reads literally inside single quotes, and backslashes before digits', () => {
    const line = loginShellLine(['printf', '%s', "\\'\n!$`=~{a,b}%self é"], 'bgdeploy-frame-00ff')
    const format = /^exec sh -c 'eval "\$\(printf "(.*)"\)"'$/.exec(line)?.[1] ?? ''
    expect(format).toMatch(/^(?:[A-Za-z0-9 #&()*+,\-./:;<=>?@[\]^_{|}~]|%%|\\[0-7]{3})+$/)
  })

  it('keeps unquoted leading assignments in front of exec, where sh still reads them as assignments', () => {
    expect(framedScript(['DOCKER_HOST=unix:///run/x.sock', 'docker', 'ps'], 'M')).toBe(
      'printf %s M; printf %s M >&2; DOCKER_HOST=unix:///run/x.sock exec docker ps'
    )
    expect(framedScript(['A=a b', 'cmd'], 'M')).toBe("printf %s M; printf %s M >&2; exec 'A=a b' cmd")
    expect(framedScript(['A=1'], 'M')).toBe('printf %s M; printf %s M >&2; A=1')
  })

  it('refuses an empty command, as shellJoin does', () => {
    expect(() => loginShellLine([], 'M')).toThrow(/empty command/)
  })
})

describe('Unframer', () => {
  const bytes = (text: string) => Buffer.from(text, 'utf8')

  it('holds everything back until the marker, then passes everything on', () => {
    const frame = new Unframer('MARK')
    expect(frame.push(bytes('Welcome to ✓\n')).toString()).toBe('')
    expect(frame.framed).toBe(false)
    expect(frame.push(bytes('no newlineMARKlocked\n')).toString()).toBe('locked\n')
    expect(frame.framed).toBe(true)
    expect(frame.greeting).toBe('Welcome to ✓\nno newline')
    expect(frame.push(bytes('MARK again')).toString()).toBe('MARK again')
  })

  it('finds a marker split across chunks, and a multi-byte character split around it', () => {
    const frame = new Unframer('MARK')
    const all = bytes('é✓MARK☃')
    const pieces = [all.subarray(0, 1), all.subarray(1, 6), all.subarray(6, 8), all.subarray(8, 10), all.subarray(10)]
    const output = Buffer.concat(pieces.map(piece => frame.push(piece)))
    expect(output.toString('utf8')).toBe('☃')
    expect(frame.greeting).toBe('é✓')
  })

  it('keeps the whole stream when the marker never came', () => {
    const frame = new Unframer('MARK')
    frame.push(bytes('This account is currently not available.\n'))
    expect(frame.framed).toBe(false)
    expect(frame.unframed().toString()).toBe('This account is currently not available.\n')
  })
})

describe('greetingWarning', () => {
  it('names the login and shows the greeting trimmed and bounded', () => {
    expect(greetingWarning('deploy@web1', '\nWelcome to web1\n')).toBe(
      'The login shell of deploy@web1 printed text before each command (from ~/.bashrc or another startup file); ' +
        'the action ignores it:\nWelcome to web1'
    )
    expect(greetingWarning('u@h', 'x'.repeat(700))).toMatch(/:\nx{600}…$/)
  })
})
