/** The proxy role played by nginx: an include file that names the slot's port, tested and reloaded. */
import { removeFile, writeFileAtomic } from '../commands/files.js'
import { nginxReload, nginxTest, renderInclude } from '../commands/nginx.js'
import { DeployError, RemoteCommandError, lastLines } from '../errors.js'
import { waitHealthy } from '../health/health.js'
import type { Slot } from '../server/slots.js'
import type { Settings } from '../settings/types.js'
import { runChecked, type ExecResult, type Remote } from '../ssh/remote.js'
import type { Proxy, Restored, SwitchStage } from './proxy.js'

/** The one place that decides whether the nginx commands run through `sudo -n`. */
export function needsSudo(nginx: Settings['nginx'], loginIsRoot: boolean): boolean {
  return nginx.sudo === 'true' || (nginx.sudo === 'auto' && !loginIsRoot)
}

export class NginxProxy implements Proxy {
  constructor(
    private readonly remote: Remote,
    private readonly settings: Pick<Settings, 'nginx' | 'health'>,
    private readonly sudo: boolean
  ) {}

  get routeFile(): string {
    return this.settings.nginx.include
  }

  routeTo(target: Slot): string {
    return renderInclude(this.settings.nginx.template, target)
  }

  async switchTo(target: Slot, reached: (stage: SwitchStage) => void): Promise<void> {
    const { nginx } = this.settings
    reached('include-written')
    await runChecked(this.remote, writeFileAtomic(nginx.include, this.routeTo(target), this.sudo, 'write nginx include'))
    await runChecked(this.remote, nginxTest(nginx.testCommand, this.sudo))
    const reload = nginxReload(nginx.reloadCommand, this.sudo)
    const result = await this.remote.exec(reload)
    // A reload that did not finish (timeout, lost connection) may still have happened.
    if (result.code === 0 || result.code === null) reached('reloaded')
    if (result.code !== 0) throw new RemoteCommandError(reload.label, result.code, `${result.stderr}\n${result.stdout}`)
  }

  async restore(previous: string | null): Promise<Restored> {
    const { nginx } = this.settings
    const put =
      previous === null
        ? removeFile(nginx.include, this.sudo)
        : writeFileAtomic(nginx.include, previous, this.sudo, 'restore nginx include')
    await runChecked(this.remote, put)
    const test = await this.remote.exec(nginxTest(nginx.testCommand, this.sudo))
    if (test.code !== 0)
      return { restored: false, note: `the nginx include was restored, but 'nginx -t' failed (${why(test)}), so nginx was not reloaded` }
    const reload = await this.remote.exec(nginxReload(nginx.reloadCommand, this.sudo))
    if (reload.code === 0) return { restored: true, note: 'the nginx include was restored and nginx reloaded' }
    return {
      restored: false,
      note: `the nginx include was restored, but reloading nginx failed (${why(reload)}), so nginx keeps the configuration it last loaded`
    }
  }

  /** nginx reloads asynchronously, so this asks until it answers (up to 10 s). */
  async verify(): Promise<string> {
    const url = new URL(this.settings.nginx.verifyUrl)
    const tunnel = await this.remote.openTunnel(Number(url.port || 80))
    try {
      const result = await waitHealthy({
        baseUrl: `http://127.0.0.1:${tunnel.localPort}`,
        settings: { ...this.settings.health, path: url.pathname + url.search, timeoutMs: 10_000, intervalMs: 250 },
        requiredSuccesses: 1,
        isAlive: async () => true,
        connected: () => tunnel.check(),
        host: this.settings.nginx.verifyHost || undefined
      })
      const last = result.attempts.at(-1)?.detail ?? 'no answer'
      if (result.healthy) return `${url.href} → ${last}`
      throw new DeployError(`nginx did not answer like a healthy app at ${url.href} after the switch (last: ${last}).`, {
        hint:
          "Check the server block that includes 'nginx-include' and uses $service_url; set 'verify-url' to a URL nginx serves from " +
          "the app, or 'false' to skip this check."
      })
    } finally {
      await tunnel.close()
    }
  }
}

function why(result: ExecResult): string {
  return lastLines(`${result.stderr}\n${result.stdout}`, 2) || `exit code ${result.code}`
}
