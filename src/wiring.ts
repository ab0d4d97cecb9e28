/**
 * Which host plays which role. Today one server is both the proxy (nginx) and the app host; a separate
 * nginx host or several app hosts are new wiring here, not new sequences.
 */
import type { DeployContext, RunContext } from './context.js'
import { NginxProxy } from './proxy/nginx-proxy.js'
import { RemoteAppHost } from './runtimes/app-host.js'
import { runtimeFor, type RuntimeSource } from './runtimes/runtime-for.js'
import { ServerRecords } from './server/records.js'

export function singleServer(ctx: RunContext, source: RuntimeSource): DeployContext {
  const { settings, remote } = ctx
  return {
    ...ctx,
    app: new RemoteAppHost(remote, settings, runtimeFor(settings, remote, source)),
    records: new ServerRecords(remote, settings.remoteDir),
    proxy: server => new NginxProxy(remote, settings, server)
  }
}
