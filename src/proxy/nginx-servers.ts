/** Which nginx server blocks read the include file, and how they listen. Pure. */
import { absolute, globMatches, isGlob, normalize, type Resolved } from './nginx-config.js'
import { parseConfig, type Directive } from './nginx-syntax.js'

export interface Listen {
  /** As written, without the port: '' (all addresses), `127.0.0.1`, `[::]`, `localhost`, `unix:/path`. */
  address: string
  port: number
  ssl: boolean
  /** HTTP/3 over UDP, or expecting a PROXY protocol header: not something a plain client can ask. */
  unusable: string
  defaultServer: boolean
}

export interface ServerBlock {
  listens: Listen[]
  names: string[]
  /** `file:line` of the `server {`, for messages. */
  where: string
}

export interface Serving {
  /** The http server blocks that include the file (directly, through other includes, or being in it). */
  servers: ServerBlock[]
  /** `file:line` of each include directive that names the file. */
  includedAt: string[]
}

/**
 * Finds where `includePath` is included. Inside a server block, that block serves the app; at http level
 * (a preview's own file), the server blocks written in the file itself (`includeText`) do.
 */
export function findServing(directives: Resolved[], prefix: string, includePath: string, includeText: string): Serving {
  const target = normalize(includePath)
  const servers = new Map<Directive, ServerBlock>()
  const includedAt: string[] = []
  const visit = (list: Resolved[], ancestors: Resolved[]) => {
    for (const directive of list) {
      if (directive.block) visit(directive.block, [...ancestors, directive])
      if (directive.name !== 'include' || !namesFile(directive, prefix, target)) continue
      const context = httpContext(ancestors)
      if (!context) continue
      includedAt.push(`${directive.file}:${directive.line}`)
      if (context.server) servers.set(context.server, serverBlock(context.server))
      else for (const server of ownServers(includeText, target)) servers.set(server.directive, server.block)
    }
  }
  visit(directives, [])
  return { servers: [...servers.values()], includedAt }
}

/**
 * With an upstream include: the server blocks whose `proxy_pass` (anywhere inside, in any location) sends
 * requests to `http://UPSTREAM` or `https://UPSTREAM`; the include itself only defines the upstream.
 */
export function proxyingTo(directives: Resolved[], upstream: string): ServerBlock[] {
  // nginx finds the upstream by name ignoring case (ngx_http_upstream_add), and reads the scheme so too.
  const target = new RegExp(`^https?://${upstream}(/|$)`, 'i')
  const servers: ServerBlock[] = []
  const uses = (list: Resolved[]): boolean =>
    list.some(d => (d.name === 'proxy_pass' && target.test(d.args[0] ?? '')) || (d.block !== undefined && uses(d.block)))
  const visit = (list: Resolved[], inHttp: boolean) => {
    for (const directive of list) {
      if (!directive.block) continue
      if (inHttp && directive.name === 'server') {
        if (uses(directive.block)) servers.push(serverBlock(directive))
      } else visit(directive.block, inHttp || directive.name === 'http')
    }
  }
  visit(directives, false)
  return servers
}

function namesFile(include: Directive, prefix: string, target: string): boolean {
  const pattern = absolute(include.args[0] ?? '', prefix)
  return isGlob(pattern) ? globMatches(pattern, target) : pattern === target
}

/** The innermost server block inside `http`, or just `http`; null outside http (stream, mail, events). */
function httpContext(ancestors: Resolved[]): { server: Resolved | null } | null {
  const http = ancestors.findIndex(a => a.name === 'http')
  if (http === -1) return null
  const server = ancestors.slice(http + 1).find(a => a.name === 'server') ?? null
  return { server }
}

function ownServers(text: string, file: string): { directive: Directive; block: ServerBlock }[] {
  return parseConfig(text, file)
    .filter(d => d.name === 'server' && d.block)
    .map(directive => ({ directive, block: serverBlock(directive) }))
}

/** The block's own listen and server_name directives (includes inside it were spliced in already). */
export function serverBlock(server: Resolved): ServerBlock {
  const children = server.block ?? []
  const sslOn = children.some(d => d.name === 'ssl' && d.args[0] === 'on')
  const listens = children.filter(d => d.name === 'listen').map(d => parseListen(d.args, sslOn))
  return {
    listens: listens.length ? listens : [parseListen(['80'], sslOn)],
    names: children.filter(d => d.name === 'server_name').flatMap(d => d.args),
    where: `${server.file}:${server.line}`
  }
}

/** `listen [address][:port] [ssl] [http2] [quic] [default_server] [proxy_protocol] ...;` */
export function parseListen(args: string[], sslOn = false): Listen {
  const [spec = '80', ...params] = args
  const { address, port } = splitAddress(spec)
  const flags = new Set(params)
  const unusable = spec.startsWith('unix:')
    ? 'a unix socket'
    : flags.has('quic')
      ? 'QUIC (HTTP/3 over UDP)'
      : flags.has('proxy_protocol')
        ? 'expects the PROXY protocol'
        : ''
  return { address, port, ssl: sslOn || flags.has('ssl'), unusable, defaultServer: flags.has('default_server') || flags.has('default') }
}

function splitAddress(spec: string): { address: string; port: number } {
  if (spec.startsWith('unix:')) return { address: spec, port: 0 }
  if (/^\d+$/.test(spec)) return { address: '', port: Number(spec) }
  const v6 = /^(\[[^\]]*\])(?::(\d+))?$/.exec(spec)
  if (v6) return { address: v6[1], port: Number(v6[2] ?? 80) }
  const colon = spec.lastIndexOf(':')
  if (colon !== -1 && /^\d+$/.test(spec.slice(colon + 1))) return { address: spec.slice(0, colon), port: Number(spec.slice(colon + 1)) }
  return { address: spec, port: 80 }
}
