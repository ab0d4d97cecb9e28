/** Where the check through nginx connects, and with which Host and TLS server name. Pure. */
import type { Listen, ServerBlock } from './nginx-servers.js'

export interface VerifyTarget {
  scheme: 'http' | 'https'
  /** The address and port on the server that the SSH tunnel forwards to. */
  connectHost: string
  port: number
  /** The Host header, and (for https to a name) the TLS server name. */
  host: string
  path: string
  /** The server block it goes through, or 'verify-url'. */
  via: string
}

/** One target per server block: its first TLS listener if it has one (what clients use), else its first plain one. */
export function targetsFor(servers: ServerBlock[], path: string): { targets: VerifyTarget[]; unusable: string[] } {
  const targets: VerifyTarget[] = []
  const unusable: string[] = []
  for (const server of servers) {
    const usable = server.listens.filter(listen => !listen.unusable)
    const listen = usable.find(l => l.ssl) ?? usable[0]
    if (!listen) {
      unusable.push(`${server.where} (${server.listens.map(l => l.unusable).join(', ')})`)
      continue
    }
    const target = targetOf(listen, server, path)
    if (!targets.some(t => t.connectHost === target.connectHost && t.port === target.port && t.host === target.host)) targets.push(target)
  }
  return { targets, unusable }
}

function targetOf(listen: Listen, server: ServerBlock, path: string): VerifyTarget {
  const connectHost = connectAddress(listen.address)
  return {
    scheme: listen.ssl ? 'https' : 'http',
    connectHost,
    port: listen.port,
    host: hostName(server.names) ?? (connectHost.includes(':') ? `[${connectHost}]` : connectHost),
    path,
    via: `server block ${server.where}`
  }
}

/** A wildcard address is asked on loopback; a specific one as written. */
function connectAddress(address: string): string {
  if (address === '' || address === '*' || address === '0.0.0.0') return '127.0.0.1'
  if (address === '[::]') return '::1'
  return address.replace(/^\[(.*)\]$/, '$1')
}

/** The first exact server_name; `.example.com` also matches example.com. Wildcards, regexes and `_` name no host. */
export function hostName(names: string[]): string | undefined {
  const plain = names.find(name => /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?$/.test(name) && name !== '_')
  if (plain) return plain
  return names.find(name => /^\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(name))?.slice(1)
}

/**
 * `verify-url`: Host (and TLS server name) from the URL. A host name is asked on the server's loopback, not
 * resolved: DNS may point at a load balancer, a CDN or another server. An IP address is asked as written.
 */
export function targetOfUrl(text: string): VerifyTarget {
  const url = new URL(text)
  const scheme = url.protocol === 'https:' ? 'https' : 'http'
  const literal = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const isAddress = /^[\d.]+$/.test(literal) || literal.includes(':')
  return {
    scheme,
    connectHost: isAddress ? literal : '127.0.0.1',
    port: Number(url.port || (scheme === 'https' ? 443 : 80)),
    host: url.host,
    path: url.pathname + url.search,
    via: 'verify-url'
  }
}

/** How the target reads in the summary: the URL a client would use, and where it was asked. */
export function describeTarget(target: VerifyTarget): string {
  const defaultPort = target.port === (target.scheme === 'https' ? 443 : 80)
  const host = target.host.replace(/:\d+$/, '')
  const shown = `${target.scheme}://${host}${defaultPort ? '' : `:${target.port}`}${target.path}`
  const connect = target.connectHost.includes(':') ? `[${target.connectHost}]` : target.connectHost
  return host === connect ? shown : `${shown} (at ${connect}:${target.port})`
}
