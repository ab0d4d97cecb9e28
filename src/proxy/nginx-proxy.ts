/** The proxy role played by nginx: an include file that names the slot's port, tested and reloaded. */
import { nginxReload, nginxTest, renderInclude, writeInclude } from '../commands/nginx.js'
import { removeFile } from '../commands/files.js'
import { lastPartOutput, sequence } from '../commands/sequence.js'
import { DeployError, lastLines } from '../errors.js'
import type { ServerProbe } from '../server/probe.js'
import type { Slot } from '../server/slots.js'
import type { Settings } from '../settings/types.js'
import { runSequence, sequenceError, type ExecResult, type Remote } from '../ssh/remote.js'
import { needsSudo, refuseMissingSudo, refuseUnwritable, writesWithSudo } from './nginx-access.js'
import { discover } from './nginx-discovery.js'
import { checkThrough } from './nginx-check.js'
import { describeTarget, targetOfUrl, targetsFor, type VerifyTarget } from './nginx-verify.js'
import type { Preflight, Proxy, Restored, SwitchStage } from './proxy.js'

export { needsSudo }

export class NginxProxy implements Proxy {
  private readonly sudo: boolean
  private readonly sudoWrite: boolean
  private targets: VerifyTarget[] = []

  constructor(
    private readonly remote: Remote,
    private readonly settings: Pick<Settings, 'nginx' | 'health' | 'slots' | 'fleet'>,
    private readonly server: Pick<ServerProbe, 'isRoot' | 'nginx'>
  ) {
    this.sudo = needsSudo(settings.nginx, server.isRoot)
    this.sudoWrite = writesWithSudo(settings.nginx, server.isRoot, server.nginx.includeWritable)
  }

  get routeFile(): string {
    return this.settings.nginx.include
  }

  routeTo(target: Slot): string {
    return renderInclude(this.settings.nginx.template, target)
  }

  /** Refuses before anything changes when a step could not run, or when no server block reads the include. */
  async preflight(): Promise<Preflight> {
    const { nginx, health, slots } = this.settings
    const facts = this.server.nginx
    const refused = this.sudo ? refuseMissingSudo(nginx, facts) : facts.includeWritable ? null : refuseUnwritable(nginx, facts)
    if (refused) throw refused
    if (nginx.verify.kind === 'url') this.targets = [targetOfUrl(nginx.verify.url)]
    const upstream = this.settings.fleet.upstream?.name
    const ownText = upstream ? '' : this.routeTo({ color: 'blue', port: slots.blue })
    const found = await discover(this.remote, facts, nginx.include, ownText, upstream)
    if (!found.serving) {
      const why = `Could not read the nginx configuration to find the server block that includes ${nginx.include}: ${found.problem}.`
      if (nginx.verify.kind === 'auto') throw unreadable(why, found.source)
      return { note: 'nginx configuration not read', warnings: [`${why} Not checked that nginx reads the include.`] }
    }
    if (!found.serving.includedAt.length) throw notIncluded(nginx.include, found.source, upstream)
    if (upstream && !found.serving.servers.length) throw noProxyPass(upstream, found.source)
    const where = `nginx includes it at ${found.serving.includedAt.join(', ')}`
    if (nginx.verify.kind === 'off') return { note: where, warnings: [] }
    if (nginx.verify.kind === 'auto') {
      const { targets, unusable } = targetsFor(found.serving.servers, health.path)
      if (!targets.length) throw noListener(nginx.include, unusable)
      this.targets = targets
    }
    return { note: `${where}; verifies through ${this.targets.map(describeTarget).join(', ')}`, warnings: [] }
  }

  /** Writes the include, tests and reloads nginx in one remote command: one round trip from healthy to serving. */
  async switchTo(target: Slot, reached: (stage: SwitchStage) => void): Promise<void> {
    await this.write(this.routeTo(target), reached)
  }

  /** Writes `text` as the include, tests and reloads nginx: how the strategies across hosts move traffic. */
  async write(text: string, reached: (stage: SwitchStage) => void): Promise<void> {
    const { nginx } = this.settings
    const reload = nginxReload(nginx.reloadCommand, this.sudo)
    const write = writeInclude(nginx.include, text, this.sudoWrite, 'write nginx include')
    const command = sequence('switch nginx', [write, nginxTest(nginx.testCommand, this.sudo), reload])
    reached('include-written')
    const result = await runSequence(this.remote, command)
    // A reload that did not finish (timeout, lost connection) may still have happened.
    if (result.code === 0 || (result.code === null && result.last !== write)) reached('reloaded')
    if (result.code !== 0) throw sequenceError(result, command)
  }

  /**
   * With sudo only `tee` of the include is allowed, so "no include" is restored as an empty one: nginx reads
   * the same (nothing) from it, and the probe reads it as routing nowhere.
   */
  async restore(previous: string | null): Promise<Restored> {
    const { nginx } = this.settings
    const emptied = previous === null && this.sudoWrite
    const put =
      previous === null && !this.sudoWrite
        ? removeFile(nginx.include, false)
        : writeInclude(nginx.include, previous ?? '', this.sudoWrite, 'restore nginx include')
    const test = nginxTest(nginx.testCommand, this.sudo)
    const command = sequence('restore nginx', [put, test, nginxReload(nginx.reloadCommand, this.sudo)])
    const result = await runSequence(this.remote, command)
    if (result.code !== 0 && result.last === put) throw sequenceError(result, command)
    const restored = emptied
      ? 'the nginx include did not exist before and was emptied (sudo allows only tee of it)'
      : 'the nginx include was restored'
    if (result.code === 0) return { restored: true, note: `${restored} and nginx reloaded` }
    if (result.last === test)
      return { restored: false, note: `${restored}, but 'nginx -t' failed (${why(result)}), so nginx was not reloaded` }
    return {
      restored: false,
      note: `${restored}, but reloading nginx failed (${why(result)}), so nginx keeps the configuration it last loaded`
    }
  }

  /** Asks through every server block that serves the app; nginx reloads asynchronously, so each is asked until it answers. */
  async verify(): Promise<string> {
    if (!this.targets.length) throw new Error('NginxProxy.verify() before preflight() found where to verify')
    const results = await Promise.all(this.targets.map(target => checkThrough(this.remote, target, this.settings.health)))
    const failed = results.filter(result => !result.healthy)
    if (!failed.length) return results.map(result => result.note).join('; ')
    throw new DeployError(`nginx did not answer like a healthy app after the switch: ${failed.map(result => result.note).join('; ')}.`, {
      hint:
        "Check the server block that includes 'nginx-include' and uses its variable; " +
        "set 'verify-url' to a URL nginx serves the app at, or 'false' to skip this check."
    })
  }
}

/** The last words of the sequence part that failed. */
function why(result: ExecResult): string {
  return lastLines(`${result.stderr}\n${lastPartOutput(result.stdout)}`, 2) || `exit code ${result.code}`
}

const UNCHANGED = 'Nothing was changed on the server; the live version keeps serving.'

function notIncluded(include: string, source: string, upstream?: string): DeployError {
  if (upstream) {
    return new DeployError(
      `nginx does not include ${include} in its http context, so the upstream ${upstream} is not defined. Read: ${source}.`,
      {
        serverState: UNCHANGED,
        hint:
          'Name the include so that the http block reads it (Debian: /etc/nginx/conf.d/*.conf), ' +
          `or add 'include ${include};' at http level (see the README).`
      }
    )
  }
  return new DeployError(`No nginx server block includes ${include}, so switching it would change nothing. Read: ${source}.`, {
    serverState: UNCHANGED,
    hint: `Add 'include ${include};' to the server block that serves the app (see the README), or set 'nginx-include' to the file it reads.`
  })
}

function noProxyPass(upstream: string, source: string): DeployError {
  return new DeployError(
    `No nginx server block proxies to the upstream ${upstream}, so changing it would move no traffic. Read: ${source}.`,
    {
      serverState: UNCHANGED,
      hint: `In the server block that serves the app, write 'proxy_pass http://${upstream};' (see the README), or set 'nginx-upstream' to the name it uses.`
    }
  )
}

function unreadable(why: string, source: string): DeployError {
  return new DeployError(`${why} Tried: ${source}.`, {
    serverState: UNCHANGED,
    hint:
      "Allow 'nginx -T' in the sudoers rule (see the README), make the configuration readable by the login user, " +
      "or set 'verify-url' to the URL to check."
  })
}

function noListener(include: string, unusable: string[]): DeployError {
  return new DeployError(`The server blocks that include ${include} have no listener a check can use: ${unusable.join('; ')}.`, {
    serverState: UNCHANGED,
    hint: "Set 'verify-url' to a URL nginx serves the app at (http:// or https://), or 'false' to skip the check."
  })
}
