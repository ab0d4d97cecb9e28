import { appAlive, javaArgv, logTail, readPid, slotMarker, slotRunToken, startJar, stopApp } from '../../../src/commands/app.js'

const launch = {
  slotDir: 'bluegreen/api/slots/green',
  port: 8081,
  javaCommand: ['/opt/jdk/bin/java'],
  javaOptions: ['-Xmx256m'],
  jarPath: '../../releases/abc/app.jar',
  appArgs: ['--spring.profiles.active=prod'],
  marker: slotMarker('api', 'green'),
  runToken: '0123456789ab'
}

const JAVA_ARGV = [
  'env',
  'SERVER_PORT=8081',
  'PORT=8081',
  '/opt/jdk/bin/java',
  '-Xmx256m',
  '-Dserver.port=8081',
  '-Dbluegreen.slot=api/green',
  '-Dbluegreen.run=0123456789ab',
  '-jar',
  '../../releases/abc/app.jar',
  '--spring.profiles.active=prod'
]

const START = `dir=$1; shift
cd -- "$dir" || exit 1
while IFS= read -r kv; do [ -n "$kv" ] && export "$kv"; done
setsid "$@" > app.log 2>&1 < /dev/null &
echo "$!" > app.pid
echo "$!"`

const OURS = `ours() {
  [ -r "/proc/$1/cmdline" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null &&
    tr '\\0' '\\n' < "/proc/$1/cmdline" | grep -qxF -- "$marker"
}`

const STOP = `pidfile=$1 marker=$2 tenths=$3 expected=$4
${OURS}
pid=$(cat -- "$pidfile" 2>/dev/null)
case $pid in ''|*[!0-9]*) rm -f -- "$pidfile"; echo not-running; exit 0;; esac
if [ -n "$expected" ] && [ "$pid" != "$expected" ]; then echo replaced; exit 0; fi
if ! ours "$pid"; then rm -f -- "$pidfile"; echo not-running; exit 0; fi
kill -TERM "$pid" 2>/dev/null
i=0
while ours "$pid" && [ "$i" -lt "$tenths" ]; do sleep 0.1; i=$((i + 1)); done
if ours "$pid"; then
  kill -KILL "$pid" 2>/dev/null; i=0
  while ours "$pid" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  echo killed
else
  echo stopped
fi
rm -f -- "$pidfile"`

const ALIVE = `pidfile=$1 marker=$2
${OURS}
pid=$(cat -- "$pidfile" 2>/dev/null)
case $pid in ''|*[!0-9]*) echo dead; exit 0;; esac
if ours "$pid"; then echo alive; else echo dead; fi`

const STARTED_BY = `pidfile=$1 marker=$2 property=$3
${OURS}
pid=$(cat -- "$pidfile" 2>/dev/null)
case $pid in ''|*[!0-9]*) exit 0;; esac
if ours "$pid"; then tr '\\0' '\\n' < "/proc/$pid/cmdline" | sed -n "s/^$property//p"; fi`

describe('slotMarker', () => {
  it('names the app and the color in a -D property', () => {
    expect(slotMarker('api', 'green')).toBe('-Dbluegreen.slot=api/green')
  })
})

describe('javaArgv', () => {
  it('passes the slot port three ways and marks the process as ours and as started by this run', () => {
    expect(javaArgv(launch)).toStrictEqual(JAVA_ARGV)
  })

  it('keeps multi-word java commands and drops empty option and argument lists', () => {
    expect(javaArgv({ ...launch, javaCommand: ['nice', 'java'], javaOptions: [], appArgs: [] })).toStrictEqual([
      'env',
      'SERVER_PORT=8081',
      'PORT=8081',
      'nice',
      'java',
      '-Dserver.port=8081',
      '-Dbluegreen.slot=api/green',
      '-Dbluegreen.run=0123456789ab',
      '-jar',
      '../../releases/abc/app.jar'
    ])
  })
})

describe('startJar', () => {
  it('starts detached with the environment on stdin, never on the command line', () => {
    expect(
      startJar(launch, [
        ['DB_PASSWORD', 's3cret $(x)'],
        ['EMPTY', '']
      ])
    ).toStrictEqual({
      label: 'start new version',
      argv: ['sh', '-c', START, 'sh', 'bluegreen/api/slots/green', ...JAVA_ARGV],
      stdin: 'DB_PASSWORD=s3cret $(x)\nEMPTY=\n'
    })
  })

  it('sends an empty stdin when there is no environment', () => {
    expect(startJar(launch, [])).toStrictEqual({
      label: 'start new version',
      argv: ['sh', '-c', START, 'sh', 'bluegreen/api/slots/green', ...JAVA_ARGV],
      stdin: ''
    })
  })
})

describe('stopApp', () => {
  it('stops with SIGTERM, a bounded wait in tenths of a second, then SIGKILL, whatever process runs in the slot', () => {
    expect(stopApp('d/slots/blue/app.pid', '-Dbluegreen.slot=api/blue', 2_000)).toStrictEqual({
      label: 'stop app',
      argv: ['sh', '-c', STOP, 'sh', 'd/slots/blue/app.pid', '-Dbluegreen.slot=api/blue', '20', ''],
      timeoutMs: 17_000
    })
  })

  it('stops only the expected PID when one is given, and rounds the wait up to at least one tenth', () => {
    expect(stopApp('d/slots/blue/app.pid', '-Dbluegreen.slot=api/blue', 0, '4242')).toStrictEqual({
      label: 'stop app',
      argv: ['sh', '-c', STOP, 'sh', 'd/slots/blue/app.pid', '-Dbluegreen.slot=api/blue', '1', '4242'],
      timeoutMs: 15_000
    })
    expect(stopApp('p', 'm', 1_234).argv.slice(-2)).toStrictEqual(['13', ''])
  })
})

describe('readPid', () => {
  it('prints the PID file, or nothing when there is none', () => {
    expect(readPid('d/slots/blue/app.pid')).toStrictEqual({
      label: 'read PID',
      argv: ['sh', '-c', 'cat -- "$1" 2>/dev/null || true', 'sh', 'd/slots/blue/app.pid']
    })
  })
})

describe('appAlive', () => {
  it('checks the PID in the file is a live process of ours', () => {
    expect(appAlive('d/slots/blue/app.pid', '-Dbluegreen.slot=api/blue')).toStrictEqual({
      label: 'check new version is running',
      argv: ['sh', '-c', ALIVE, 'sh', 'd/slots/blue/app.pid', '-Dbluegreen.slot=api/blue'],
      timeoutMs: 15_000
    })
  })
})

describe('logTail', () => {
  it('reads the last lines of the log', () => {
    expect(logTail('d/slots/blue/app.log', 40)).toStrictEqual({
      label: 'read app log',
      argv: ['tail', '-n', '40', '--', 'd/slots/blue/app.log'],
      timeoutMs: 15_000
    })
  })
})

describe('slotRunToken', () => {
  it('reads the run token of the process in a slot, only if the process is ours', () => {
    expect(slotRunToken('d/slots/blue/app.pid', '-Dbluegreen.slot=api/blue')).toStrictEqual({
      label: 'read which run started the slot',
      argv: ['sh', '-c', STARTED_BY, 'sh', 'd/slots/blue/app.pid', '-Dbluegreen.slot=api/blue', '-Dbluegreen.run='],
      timeoutMs: 15_000
    })
  })

  it('fills {port} and {management-port} in java-options, app-args and env values, and passes the management port', () => {
    const ports = {
      ...launch,
      managementPort: 18082,
      javaOptions: ['-Dquarkus.http.port={port}', '-Dmanagement.server.port={management-port}'],
      appArgs: ['--port', '{port}', '-port={port}', '--admin={management-port}', '{port}{port}']
    }
    expect(javaArgv(ports)).toEqual([
      'env',
      'SERVER_PORT=8081',
      'PORT=8081',
      'MANAGEMENT_SERVER_PORT=18082',
      '/opt/jdk/bin/java',
      '-Dquarkus.http.port=8081',
      '-Dmanagement.server.port=18082',
      '-Dserver.port=8081',
      '-Dbluegreen.slot=api/green',
      '-Dbluegreen.run=0123456789ab',
      '-jar',
      '../../releases/abc/app.jar',
      '--port',
      '8081',
      '-port=8081',
      '--admin=18082',
      '80818081'
    ])
    const command = startJar(ports, [
      ['QUARKUS_HTTP_PORT', '{port}'],
      ['ADMIN_URL', 'http://127.0.0.1:{management-port}/admin'],
      ['LITERAL', '${PORT} {{.Port}}']
    ])
    expect(command.stdin).toBe('QUARKUS_HTTP_PORT=8081\nADMIN_URL=http://127.0.0.1:18082/admin\nLITERAL=${PORT} {{.Port}}\n')
  })
})
