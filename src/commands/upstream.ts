/**
 * The include as an nginx upstream block: one server line per app host's slot, from 'nginx-upstream-template',
 * with the weight and down parameters the strategy sets. Rendering and reading it back. Pure.
 */

export interface UpstreamServer {
  address: string
  port: number
  /** nginx's relative weight (1 when absent). */
  weight?: number
  /** Listed but sent no traffic: a host taken out while it is replaced. */
  down?: boolean
}

export interface Upstream {
  name: string
  /** One server line, such as `server {address}:{port};`. */
  serverTemplate: string
}

/** `[v6]` for an IPv6 address, so that `{address}:{port}` stays one nginx address. */
function hostPart(address: string): string {
  return address.includes(':') ? `[${address}]` : address
}

export function serverLine(template: string, server: UpstreamServer): string {
  const filled = template.replaceAll('{address}', hostPart(server.address)).replaceAll('{port}', String(server.port))
  const params = [server.weight !== undefined && server.weight !== 1 ? `weight=${server.weight}` : '', server.down ? 'down' : '']
  return `${filled.replace(/\s*;\s*$/, '')}${params
    .filter(Boolean)
    .map(param => ` ${param}`)
    .join('')};`
}

/** The include text: the upstream block, then `extra` (http-level directives such as the canary's access log). */
export function renderUpstream(upstream: Upstream, servers: UpstreamServer[], extra = ''): string {
  const lines = servers.map(server => `    ${serverLine(upstream.serverTemplate, server)}`)
  return `upstream ${upstream.name} {\n${lines.join('\n')}\n}\n${extra}`
}

/** The server lines of `upstream NAME { ... }` in the include, or null when the include holds no such block. */
export function parseUpstream(text: string, name: string): UpstreamServer[] | null {
  // Comments first: one may hold ';', '}' or a whole commented-out upstream block.
  const uncommented = text.replace(/(^|[\s;{}])#[^\n]*/g, '$1')
  const block = new RegExp(`(?:^|[\\s;}])upstream\\s+${name}\\s*\\{([^}]*)\\}`).exec(uncommented)
  if (!block) return null
  const servers: UpstreamServer[] = []
  for (const statement of block[1].split(';')) {
    const words = statement.trim().split(/\s+/)
    if (words[0] !== 'server' || words.length < 2) continue
    const address = /^\[([^\]]+)\]:(\d+)$/.exec(words[1]) ?? /^([^:]+):(\d+)$/.exec(words[1])
    if (!address) continue
    const weight = words.find(word => word.startsWith('weight='))
    servers.push({
      address: address[1],
      port: Number(address[2]),
      ...(weight ? { weight: Number(weight.slice('weight='.length)) } : {}),
      ...(words.includes('down') ? { down: true } : {})
    })
  }
  return servers
}

/** The port an app host serves on: of its servers that take traffic, the one with the most weight. */
export function servingPort(servers: UpstreamServer[], address: string): number | null {
  const serving = servers.filter(server => server.address === address && !server.down)
  if (!serving.length) return null
  return serving.reduce((best, server) => ((server.weight ?? 1) > (best.weight ?? 1) ? server : best)).port
}
