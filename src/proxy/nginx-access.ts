/**
 * What the nginx steps need on the server: the one sudo decision, the exact commands that run through sudo,
 * and, when the login user may not run one of them, the sudoers line that would allow exactly those.
 */
import { configPathOf, dumpArgv, teeArgv } from '../commands/nginx.js'
import type { NginxProbeArgs } from '../commands/probe.js'
import { DeployError } from '../errors.js'
import type { NginxFacts } from '../server/probe.js'
import type { NginxSettings } from '../settings/types.js'

/** The one place that decides whether the nginx commands run through `sudo -n`. */
export function needsSudo(nginx: Pick<NginxSettings, 'sudo'>, loginIsRoot: boolean): boolean {
  return nginx.sudo === 'true' || (nginx.sudo === 'auto' && !loginIsRoot)
}

/** The include goes through `sudo tee` only when the login user cannot write it itself (then no rule for tee is needed). */
export function writesWithSudo(nginx: Pick<NginxSettings, 'sudo'>, loginIsRoot: boolean, includeWritable: boolean): boolean {
  return needsSudo(nginx, loginIsRoot) && !includeWritable
}

/** The commands a deploy runs through sudo, in the order of the README's sudoers line; `nginx -T` when the test is nginx's. */
export function sudoCommands(nginx: NginxSettings): NginxProbeArgs['commands'] {
  const dump = dumpArgv(nginx.testCommand)
  return [
    { role: 'write', argv: teeArgv(nginx.include) },
    { role: 'check', argv: nginx.testCommand },
    ...(dump ? [{ role: 'dump' as const, argv: dump }] : []),
    { role: 'check', argv: nginx.reloadCommand }
  ]
}

export function nginxProbeArgs(nginx: NginxSettings): NginxProbeArgs {
  const program = nginx.testCommand[0]?.endsWith('nginx') ? nginx.testCommand[0] : 'nginx'
  return {
    sudoAsRoot: needsSudo(nginx, true),
    sudoOtherwise: needsSudo(nginx, false),
    commands: sudoCommands(nginx),
    configPath: configPathOf(nginx.testCommand),
    nginxProgram: program
  }
}

/**
 * Refuses, before anything changes, when a command the deploy will run needs a sudo rule the user lacks.
 * `nginx -T` is only a way to read the configuration: without it the files are read instead.
 */
export function refuseMissingSudo(nginx: NginxSettings, facts: NginxFacts): DeployError | null {
  const checked = sudoCommands(nginx).map((command, i) => ({ ...command, check: facts.sudo[i] }))
  // A login user that can write the include itself needs no rule for tee.
  const needed = checked.filter(command => !(facts.includeWritable && command.role === 'write'))
  const refused = needed.filter(command => command.role !== 'dump' && !command.check?.allowed)
  if (!refused.length) return null
  const said = refused.find(command => command.check?.said)?.check?.said
  const line = sudoersLine(
    facts.user,
    needed.map(command => withPath(command.argv, command.check?.path))
  )
  return new DeployError(
    `The nginx steps run through 'sudo -n', and the login user may not run ${refused.map(quoted).join(', ')} that way` +
      `${said ? ` (sudo said: ${said})` : ''}.`,
    {
      serverState: 'Nothing was changed on the server; the live version keeps serving.',
      hint:
        `Allow exactly these commands, for example with 'sudo visudo -f /etc/sudoers.d/bluegreen-deploy': ${line} ` +
        "(or log in as a user that may run them, or set 'sudo: false' if the login user can write the include and run them itself)."
    }
  )
}

/** Without sudo the user itself writes the include: it must own it, or be able to create it. */
export function refuseUnwritable(nginx: NginxSettings, facts: NginxFacts): DeployError {
  return new DeployError(`The login user '${facts.user}' cannot write the nginx include ${nginx.include}, and 'sudo' is '${nginx.sudo}'.`, {
    serverState: 'Nothing was changed on the server; the live version keeps serving.',
    hint:
      `Make the include writable by the login user (sudo chown ${facts.user} ${nginx.include}), ` +
      "or let the action use sudo ('sudo: auto' or 'true')."
  })
}

function quoted(command: { argv: string[] }): string {
  return `'${command.argv.join(' ')}'`
}

/** The full path sudo resolved, when the probe found one, in place of the command's first word. */
function withPath(argv: string[], path: string | undefined): string[] {
  return path && path.startsWith('/') ? [path, ...argv.slice(1)] : argv
}

/** One sudoers line allowing exactly these command lines as root, without a password. */
export function sudoersLine(user: string, commands: string[][]): string {
  return `${escapeSudoers(user || 'deploy')} ALL=(root) NOPASSWD: ${commands.map(argv => argv.map(escapeSudoers).join(' ')).join(', ')}`
}

// In a sudoers command, these characters are special and must be escaped with a backslash.
function escapeSudoers(word: string): string {
  return word.replace(/[\\,:=]/g, '\\$&')
}
