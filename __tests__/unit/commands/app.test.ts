import { javaArgv, slotMarker, slotRunToken, startJar, stopApp } from '../../../src/commands/app.js'

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

describe('jar commands', () => {
  it('passes the slot port three ways and marks the process as ours', () => {
    expect(javaArgv(launch)).toEqual([
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
    ])
  })

  it('starts detached with the environment on stdin, never on the command line', () => {
    const command = startJar(launch, [['DB_PASSWORD', 's3cret $(x)']])
    expect(command.argv.slice(0, 2)).toEqual(['sh', '-c'])
    expect(command.argv[2]).toContain('setsid "$@" > app.log 2>&1 < /dev/null &')
    expect(command.argv.slice(3)).toEqual(['sh', 'bluegreen/api/slots/green', ...javaArgv(launch)])
    expect(command.argv.join(' ')).not.toContain('s3cret')
    expect(command.stdin).toBe('DB_PASSWORD=s3cret $(x)\n')
  })

  it('stops with SIGTERM, a bounded wait in tenths of a second, then SIGKILL', () => {
    const command = stopApp('d/slots/blue/app.pid', '-Dbluegreen.slot=api/blue', 2_000)
    expect(command.argv.slice(3)).toEqual(['sh', 'd/slots/blue/app.pid', '-Dbluegreen.slot=api/blue', '20', ''])
    expect(command.argv[2]).toMatch(/kill -TERM[\s\S]*kill -KILL/)
    expect(command.timeoutMs).toBe(17_000)
  })

  it('reads the run token of the process in a slot, only if the process is ours', () => {
    const command = slotRunToken('d/slots/blue/app.pid', '-Dbluegreen.slot=api/blue')
    expect(command.argv.slice(3)).toEqual(['sh', 'd/slots/blue/app.pid', '-Dbluegreen.slot=api/blue', '-Dbluegreen.run='])
    expect(command.argv[2]).toContain('if ours "$pid"; then tr')
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
