import { EventEmitter } from 'node:events'
import type { ClientChannel } from 'ssh2'
import { ChannelFrame, collect, holdChannel, type Collected } from '../../../src/ssh/channel-output.js'

/** Just enough of an ssh2 channel: output events to emit, and what the code wrote and ended. */
class FakeChannel extends EventEmitter {
  readonly stderr = new EventEmitter()
  readonly written: string[] = []
  ended = false
  write(data: string): boolean {
    this.written.push(data)
    return true
  }
  end(data?: string): this {
    if (data) this.written.push(data)
    this.ended = true
    return this
  }
  close(): void {}
  signal(): void {}
  out(text: string): void {
    this.emit('data', Buffer.from(text))
  }
  err(text: string): void {
    this.stderr.emit('data', Buffer.from(text))
  }
  finish(code: number): void {
    this.emit('exit', code)
    this.emit('close')
  }
}

const asChannel = (fake: FakeChannel) => fake as unknown as ClientChannel

function framed() {
  const greetings: string[] = []
  return { greetings, frame: new ChannelFrame('MARK', text => greetings.push(text)) }
}

describe('collect', () => {
  it('hands back only what follows the markers, and reports both streams’ greeting once', async () => {
    const channel = new FakeChannel()
    const { greetings, frame } = framed()
    const done = new Promise<Collected>(resolve => collect(asChannel(channel), frame, { stdin: 'input', timeoutMs: 0 }, resolve))
    channel.out('Welcome to …\nMA')
    channel.err('rc warning\nMARK')
    channel.out('RK{"ok":true}\n')
    channel.err('real error\n')
    channel.finish(0)
    expect(await done).toEqual({ code: 0, started: true, stdout: '{"ok":true}\n', stderr: 'real error\n' })
    expect(greetings).toEqual(['Welcome to …\nrc warning\n'])
    expect(channel.written).toEqual(['input'])
  })

  it('keeps all output and says the command did not start when the marker never came', async () => {
    const channel = new FakeChannel()
    const { greetings, frame } = framed()
    const done = new Promise<Collected>(resolve => collect(asChannel(channel), frame, { timeoutMs: 0 }, resolve))
    channel.out('This account is currently not available.\n')
    channel.finish(1)
    expect(await done).toEqual({ code: 1, started: false, stdout: 'This account is currently not available.\n', stderr: '' })
    expect(greetings).toEqual([])
  })

  it('reports a greeting from stdout alone once the command has ended', async () => {
    const channel = new FakeChannel()
    const { greetings, frame } = framed()
    const done = new Promise<Collected>(resolve => collect(asChannel(channel), frame, { timeoutMs: 0 }, resolve))
    channel.out('hi\nMARKout')
    expect(greetings).toEqual([])
    channel.finish(0)
    expect((await done).stdout).toBe('out')
    expect(greetings).toEqual(['hi\n'])
  })
})

describe('holdChannel', () => {
  const limits = { firstLineTimeoutMs: 60_000, heartbeatMs: 0 }

  it('resolves with the first line after the marker, not the greeting’s', async () => {
    const channel = new FakeChannel()
    const { greetings, frame } = framed()
    const holding = holdChannel(asChannel(channel), frame, limits, () => new Error('not started'))
    channel.err('MARK')
    channel.out('Welcome to …\nMARKlocked\n')
    const held = await holding
    expect(held.firstLine).toBe('locked')
    expect(greetings).toEqual(['Welcome to …\n'])
    const released = held.release()
    channel.finish(0)
    expect(await released).toEqual({ code: 0, stdout: 'locked\n', stderr: '' })
  })

  it('rejects with the caller’s error when the login shell ended before the command', async () => {
    const channel = new FakeChannel()
    const { frame } = framed()
    const holding = holdChannel(asChannel(channel), frame, limits, result => new Error(`not started: ${result.stdout.trim()}`))
    channel.out('bye\n')
    channel.finish(0)
    await expect(holding).rejects.toThrow('not started: bye')
  })
})
