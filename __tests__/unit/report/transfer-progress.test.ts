import { formatBytes, formatDuration, formatTransfer, transferProgress } from '../../../src/report/transfer-progress.js'
import { FakeClock } from '../../support/fake-clock.js'

const MIB = 1024 * 1024

describe('progress formatting', () => {
  it('writes sizes in B, KiB or MiB', () => {
    expect([0, 1023, 1024, 1536, MIB, 61.04 * MIB].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '1.0 MiB', '61.0 MiB'])
  })

  it('writes durations in seconds, then minutes and seconds', () => {
    expect([0, 400, 8_400, 59_400, 60_000, 125_000, 3_600_000].map(formatDuration)).toEqual([
      '0 s',
      '0 s',
      '8 s',
      '59 s',
      '1 min 00 s',
      '2 min 05 s',
      '60 min 00 s'
    ])
  })

  it('gives bytes sent, the rate over the last interval and the time left', () => {
    expect(formatTransfer(24 * MIB, 61 * MIB, 24 * MIB, 5_000)).toBe('24.0 MiB of 61.0 MiB (39%), 4.8 MiB/s, about 8 s left')
    expect(formatTransfer(512 * 1024, 600 * MIB, 512 * 1024, 5_000)).toBe(
      '512.0 KiB of 600.0 MiB (0%), 102.4 KiB/s, about 99 min 55 s left'
    )
  })

  it('says when everything went to SSH and the server still receives it', () => {
    const waiting = '61.0 MiB of 61.0 MiB (100%), waiting for the server to receive the rest'
    expect(formatTransfer(61 * MIB, 61 * MIB, 10 * MIB, 5_000)).toBe(waiting)
    expect(formatTransfer(61 * MIB, 61 * MIB, 0, 5_000)).toBe(waiting)
  })

  it('says when nothing moved', () => {
    expect(formatTransfer(0, 61 * MIB, 0, 5_000)).toBe('0 B of 61.0 MiB (0%), nothing sent in the last 5 s')
    expect(formatTransfer(3 * MIB, 61 * MIB, 0, 5_000)).toBe('3.0 MiB of 61.0 MiB (4%), nothing sent in the last 5 s')
  })
})

describe('transferProgress', () => {
  it('logs a line every 5 s while the transfer runs', () => {
    const clock = new FakeClock()
    const lines: string[] = []
    const progress = transferProgress(61 * MIB, line => lines.push(line), clock)
    clock.advance(3_000)
    progress.sent(10 * MIB)
    clock.advance(2_000)
    progress.sent(40 * MIB)
    clock.advance(5_000)
    clock.advance(5_000)
    progress.sent(61 * MIB)
    progress.stop()
    clock.advance(60_000)
    expect(lines).toEqual([
      '10.0 MiB of 61.0 MiB (16%), 2.0 MiB/s, about 26 s left',
      '40.0 MiB of 61.0 MiB (65%), 6.0 MiB/s, about 4 s left',
      '40.0 MiB of 61.0 MiB (65%), nothing sent in the last 5 s'
    ])
  })

  it('logs nothing for a transfer that ends within 5 s', () => {
    const clock = new FakeClock()
    const lines: string[] = []
    const progress = transferProgress(61 * MIB, line => lines.push(line), clock)
    progress.sent(61 * MIB)
    clock.advance(4_999)
    progress.stop()
    clock.advance(10_000)
    expect(lines).toEqual([])
  })
})
