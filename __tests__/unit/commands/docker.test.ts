import { login, runArgv, runContainer, stop } from '../../../src/commands/docker.js'
import { digestOf, registryOf, repositoryOf } from '../../../src/runtimes/image.js'

const launch = {
  name: 'shop-green',
  labels: { 'bluegreen.app': 'shop', 'bluegreen.slot': 'green' },
  hostPort: 8081,
  appPort: 8080,
  runArgs: ['--memory', '512m'],
  image: 'sha256:abc'
}

describe('docker commands', () => {
  it('runs detached, named and labelled, published on loopback only', () => {
    expect(runArgv(['sudo', 'docker'], launch, null)).toEqual([
      'sudo', 'docker', 'run', '--detach', '--name', 'shop-green', '--label', 'bluegreen.app=shop', '--label', 'bluegreen.slot=green',
      '--publish', '127.0.0.1:8081:8080', '--memory', '512m', 'sha256:abc'
    ])
  })

  it('passes env on stdin to --env-file /dev/stdin: nothing on disk, only a path on the command line', () => {
    const command = runContainer(['sudo', 'docker'], launch, [['TOKEN', 'x y'], ['EMPTY', '']])
    expect(command.argv).toEqual([
      'sudo', 'docker', 'run', '--detach', '--name', 'shop-green', '--label', 'bluegreen.app=shop', '--label', 'bluegreen.slot=green',
      '--publish', '127.0.0.1:8081:8080', '--env-file', '/dev/stdin', '--memory', '512m', 'sha256:abc'
    ])
    expect(command.stdin).toBe('TOKEN=x y\nEMPTY=\n')
  })

  it('runs without --env-file and without stdin when there is no env', () => {
    const command = runContainer(['docker'], launch, [])
    expect(command.argv).not.toContain('--env-file')
    expect(command.stdin).toBeUndefined()
  })

  it('logs in with the password on stdin only', () => {
    const command = login(['docker'], 'ghcr.io', 'bot', 's3cret')
    expect(command.argv).toEqual(['docker', 'login', 'ghcr.io', '--username', 'bot', '--password-stdin'])
    expect(command.stdin).toBe('s3cret')
  })

  it('stops with a whole-second timeout', () => {
    expect(stop(['podman'], 'shop-blue', 2500).argv).toEqual(['podman', 'stop', '--time', '3', 'shop-blue'])
  })
})

describe('image references', () => {
  it.each([
    ['ghcr.io/acme/api:1.4.2', 'ghcr.io/acme/api', 'ghcr.io'],
    ['localhost:5000/shop:v1', 'localhost:5000/shop', 'localhost:5000'],
    ['nginx', 'nginx', 'docker.io'],
    ['acme/api@sha256:' + 'a'.repeat(64), 'acme/api', 'docker.io']
  ])('%s is repository %s on %s', (ref, repository, registry) => {
    expect(repositoryOf(ref)).toBe(repository)
    expect(registryOf(ref)).toBe(registry)
  })

  it('takes the digest of the deployed repository, or the pinned one', () => {
    const digests = ['other/x@sha256:' + '1'.repeat(64), 'ghcr.io/acme/api@sha256:' + '2'.repeat(64)]
    expect(digestOf('ghcr.io/acme/api:1.0', digests)).toBe('sha256:' + '2'.repeat(64))
    expect(digestOf('ghcr.io/acme/api@sha256:' + '3'.repeat(64), digests)).toBe('sha256:' + '3'.repeat(64))
  })
})
