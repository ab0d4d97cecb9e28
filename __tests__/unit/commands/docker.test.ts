import { login, runArgv, runContainer, stop } from '../../../src/commands/docker.js'

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
      'sudo',
      'docker',
      'run',
      '--detach',
      '--name',
      'shop-green',
      '--label',
      'bluegreen.app=shop',
      '--label',
      'bluegreen.slot=green',
      '--publish',
      '127.0.0.1:8081:8080',
      '--memory',
      '512m',
      'sha256:abc'
    ])
  })

  it('passes env on stdin to --env-file /dev/stdin: nothing on disk, only a path on the command line', () => {
    const command = runContainer(['sudo', 'docker'], launch, [
      ['TOKEN', 'x y'],
      ['EMPTY', '']
    ])
    expect(command.argv).toEqual([
      'sudo',
      'docker',
      'run',
      '--detach',
      '--name',
      'shop-green',
      '--label',
      'bluegreen.app=shop',
      '--label',
      'bluegreen.slot=green',
      '--publish',
      '127.0.0.1:8081:8080',
      '--env-file',
      '/dev/stdin',
      '--memory',
      '512m',
      'sha256:abc'
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

  it('publishes the management port on loopback and fills {port} and {management-port} with the host ports', () => {
    const command = runContainer(
      ['docker'],
      {
        ...launch,
        management: { hostPort: 18082, appPort: 18080 },
        runArgs: ['--env', 'PUBLIC_PORT={port}', '--health-cmd', 'wget -q http://127.0.0.1:{management-port}/health']
      },
      [['MICRONAUT_SERVER_PORT', '{port}']]
    )
    expect(command.argv).toEqual([
      'docker',
      'run',
      '--detach',
      '--name',
      'shop-green',
      '--label',
      'bluegreen.app=shop',
      '--label',
      'bluegreen.slot=green',
      '--publish',
      '127.0.0.1:8081:8080',
      '--publish',
      '127.0.0.1:18082:18080',
      '--env-file',
      '/dev/stdin',
      '--env',
      'PUBLIC_PORT=8081',
      '--health-cmd',
      'wget -q http://127.0.0.1:18082/health',
      'sha256:abc'
    ])
    expect(command.stdin).toBe('MICRONAUT_SERVER_PORT=8081\n')
  })
})
