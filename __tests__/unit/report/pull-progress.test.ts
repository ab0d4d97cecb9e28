import { newPullState, pullProgress, readPullLine, summarizePull } from '../../../src/report/pull-progress.js'
import { FakeClock } from '../../support/fake-clock.js'

// `docker pull` without a terminal: one line per layer status change, no byte counts.
const DOCKER = `v2: Pulling from shop
4f4fb700ef54: Pulling fs layer
a3ed95caeb02: Pulling fs layer
9d48c3bd43c5: Pulling fs layer
51f1b7a2bd6e: Already exists
4f4fb700ef54: Waiting
a3ed95caeb02: Verifying Checksum
a3ed95caeb02: Download complete
9d48c3bd43c5: Download complete
9d48c3bd43c5: Pull complete
`

// podman pull prints this on stderr (4.3, without a terminal).
const PODMAN = `Trying to pull localhost:5000/shop:v2...
Getting image source signatures
Copying blob sha256:4f4fb700ef5460c8b9d4a8a9e1f0f7c28a1a4ec0d42b8cc5e10c8e8d8f2c7d1e
Copying blob 51f1b7a2bd6e skipped: already exists
Copying config sha256:0b5d1bd8d4f3bd3ac16b5d8c0f0b8b8a0d5c3d5e6f7a8b9c0d1e2f3a4b5c6d7e
Writing manifest to image destination
`

function summaryOf(text: string): string {
  const state = newPullState()
  text.split('\n').forEach(line => readPullLine(state, line))
  return summarizePull(state)
}

describe('summarizePull', () => {
  it('counts docker layers by where they stand', () => {
    expect(summaryOf(DOCKER)).toBe('2 of 4 layers done, 1 downloaded, 1 in progress')
  })

  it('counts podman blobs, all done once the config is copied', () => {
    expect(summaryOf(PODMAN.split('\n').slice(0, 4).join('\n'))).toBe('1 of 2 layers done, 1 in progress')
    expect(summaryOf(PODMAN)).toBe('2 of 2 layers done')
  })

  it('shows the latest line while no layer is known, and says when there is none', () => {
    expect(summaryOf('v2: Pulling from shop\n')).toBe('v2: Pulling from shop')
    expect(summaryOf('')).toBe('no output yet')
  })
})

describe('pullProgress', () => {
  it('logs a summary every 5 s, from output that arrives in pieces on either stream', () => {
    const clock = new FakeClock()
    const lines: string[] = []
    const progress = pullProgress('localhost:5000/shop:v2', line => lines.push(line), clock)
    clock.advance(5_000)
    progress.output(DOCKER.slice(0, 70), 'stdout')
    progress.output('Trying to pull localhost:5000/shop:v2...\n', 'stderr')
    progress.output(DOCKER.slice(70), 'stdout')
    clock.advance(5_000)
    progress.stop()
    clock.advance(5_000)
    expect(lines).toEqual([
      'Pulling localhost:5000/shop:v2 (5 s): no output yet',
      'Pulling localhost:5000/shop:v2 (10 s): 2 of 4 layers done, 1 downloaded, 1 in progress'
    ])
  })

  it('logs nothing for a pull that ends within 5 s', () => {
    const clock = new FakeClock()
    const lines: string[] = []
    const progress = pullProgress('shop:v2', line => lines.push(line), clock)
    progress.output(DOCKER, 'stdout')
    clock.advance(4_000)
    progress.stop()
    clock.advance(10_000)
    expect(lines).toEqual([])
  })
})
