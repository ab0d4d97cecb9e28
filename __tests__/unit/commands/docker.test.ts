import {
  LABEL_APP,
  LABEL_DEPLOYED_AT,
  LABEL_RELEASE,
  LABEL_RUN,
  LABEL_SLOT,
  containerId,
  imageExists,
  imageInfo,
  inspectContainers,
  listImages,
  login,
  logout,
  logs,
  pull,
  remove,
  removeImage,
  runArgv,
  runContainer,
  stop,
  stopIfSame
} from '../../../src/commands/docker.js'

const launch = {
  name: 'shop-green',
  labels: { 'bluegreen.app': 'shop', 'bluegreen.slot': 'green' },
  hostPort: 8081,
  appPort: 8080,
  runArgs: ['--memory', '512m'],
  image: 'sha256:abc'
}

const STOP_IF_SAME = `id=$1 name=$2 seconds=$3; shift 3
[ "$("$@" container inspect --format '{{.Id}}' "$name" 2>/dev/null)" = "$id" ] || { echo replaced; exit 0; }
"$@" stop --time "$seconds" "$name" > /dev/null && "$@" rm "$name" > /dev/null && echo stopped`

describe('container labels', () => {
  it('keep their names: running containers of earlier versions carry them', () => {
    expect([LABEL_APP, LABEL_SLOT, LABEL_RELEASE, LABEL_DEPLOYED_AT, LABEL_RUN]).toStrictEqual([
      'bluegreen.app',
      'bluegreen.slot',
      'bluegreen.release',
      'bluegreen.deployed-at',
      'bluegreen.run'
    ])
  })
})

describe.each([[['docker']], [['sudo', '-n', 'docker']], [['podman']]])('with engine %j', docker => {
  it('login sends the password on stdin only', () => {
    expect(login(docker, 'ghcr.io', 'bot', 's3cret')).toStrictEqual({
      label: 'registry login',
      argv: [...docker, 'login', 'ghcr.io', '--username', 'bot', '--password-stdin'],
      stdin: 's3cret',
      timeoutMs: 120_000
    })
  })

  it('logout', () => {
    expect(logout(docker, 'ghcr.io')).toStrictEqual({ label: 'registry logout', argv: [...docker, 'logout', 'ghcr.io'], timeoutMs: 60_000 })
  })

  it('pull', () => {
    expect(pull(docker, 'ghcr.io/acme/shop:1.2')).toStrictEqual({
      label: 'pull image',
      argv: [...docker, 'pull', 'ghcr.io/acme/shop:1.2'],
      timeoutMs: 900_000
    })
  })

  it('imageInfo prints the id and the repo digests', () => {
    expect(imageInfo(docker, 'ghcr.io/acme/shop:1.2')).toStrictEqual({
      label: 'inspect image',
      argv: [...docker, 'image', 'inspect', '--format', '{{.Id}} {{json .RepoDigests}}', 'ghcr.io/acme/shop:1.2']
    })
  })

  it('inspectContainers prints one line per container with its app and run labels', () => {
    expect(inspectContainers(docker, ['shop-blue', 'shop-green'])).toStrictEqual({
      label: 'inspect containers',
      argv: [
        ...docker,
        'container',
        'inspect',
        '--format',
        '{{.Name}}|{{.State.Status}}|{{.State.Running}}|{{.State.ExitCode}}|{{index .Config.Labels "bluegreen.app"}}|{{index .Config.Labels "bluegreen.run"}}',
        'shop-blue',
        'shop-green'
      ]
    })
  })

  it('logs', () => {
    expect(logs(docker, 'shop-green', 40)).toStrictEqual({
      label: 'read container log',
      argv: [...docker, 'logs', '--tail', '40', 'shop-green']
    })
  })

  it('stop waits whole seconds, at least one, and allows two minutes more', () => {
    expect(stop(docker, 'shop-blue', 2_500)).toStrictEqual({
      label: 'stop container',
      argv: [...docker, 'stop', '--time', '3', 'shop-blue'],
      timeoutMs: 122_500
    })
    expect(stop(docker, 'shop-blue', 0).argv).toStrictEqual([...docker, 'stop', '--time', '1', 'shop-blue'])
  })

  it('remove forces', () => {
    expect(remove(docker, 'shop-blue')).toStrictEqual({ label: 'remove container', argv: [...docker, 'rm', '--force', 'shop-blue'] })
  })

  it('listImages lists a repository with digests', () => {
    expect(listImages(docker, 'ghcr.io/acme/shop')).toStrictEqual({
      label: 'list images',
      argv: [...docker, 'images', '--digests', '--format', '{{.ID}} {{.Digest}} {{.Tag}} {{.CreatedAt}}', 'ghcr.io/acme/shop']
    })
  })

  it('imageExists', () => {
    expect(imageExists(docker, 'sha256:abc')).toStrictEqual({
      label: 'find image',
      argv: [...docker, 'image', 'inspect', '--format', '{{.Id}}', 'sha256:abc']
    })
  })

  it('containerId', () => {
    expect(containerId(docker, 'shop-blue')).toStrictEqual({
      label: 'inspect container',
      argv: [...docker, 'container', 'inspect', '--format', '{{.Id}}', 'shop-blue']
    })
  })

  it('stopIfSame passes the engine command as the trailing arguments of a constant script', () => {
    expect(stopIfSame(docker, 'c0ffee', 'shop-blue', 10_000)).toStrictEqual({
      label: 'stop container',
      argv: ['sh', '-c', STOP_IF_SAME, 'sh', 'c0ffee', 'shop-blue', '10', ...docker],
      timeoutMs: 130_000
    })
    expect(stopIfSame(docker, 'c0ffee', 'shop-blue', 1).argv.slice(4, 8)).toStrictEqual(['c0ffee', 'shop-blue', '1', docker[0]])
  })

  it('removeImage', () => {
    expect(removeImage(docker, 'sha256:abc')).toStrictEqual({ label: 'remove old image', argv: [...docker, 'rmi', 'sha256:abc'] })
  })
})

describe('runArgv', () => {
  it('runs detached, named and labelled, published on loopback only', () => {
    expect(runArgv(['sudo', 'docker'], launch, null)).toStrictEqual([
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

  it('adds --env-file before the user run-args, and drops empty label and run-arg lists', () => {
    expect(runArgv(['docker'], { ...launch, labels: {}, runArgs: [] }, '/dev/stdin')).toStrictEqual([
      'docker',
      'run',
      '--detach',
      '--name',
      'shop-green',
      '--publish',
      '127.0.0.1:8081:8080',
      '--env-file',
      '/dev/stdin',
      'sha256:abc'
    ])
  })
})

describe('runContainer', () => {
  it('passes env on stdin to --env-file /dev/stdin: nothing on disk, only a path on the command line', () => {
    expect(
      runContainer(['sudo', 'docker'], launch, [
        ['TOKEN', 'x y'],
        ['EMPTY', '']
      ])
    ).toStrictEqual({
      label: 'start new version',
      argv: [
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
      ],
      stdin: 'TOKEN=x y\nEMPTY=\n',
      timeoutMs: 120_000
    })
  })

  it('runs without --env-file and without stdin when there is no env', () => {
    expect(runContainer(['docker'], launch, [])).toStrictEqual({
      label: 'start new version',
      argv: [
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
      ],
      timeoutMs: 120_000
    })
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
