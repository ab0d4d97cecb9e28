/**
 * Finds the server blocks that serve the app: from the `nginx -T` the probe ran, or else from the
 * configuration files the login user can read (one more round trip per level of includes not yet read).
 */
import { readConfigFiles } from '../commands/nginx.js'
import type { NginxFacts } from '../server/probe.js'
import { runChecked, type Remote } from '../ssh/remote.js'
import { dirname, mergeListing, parseListing, resolveIncludes, type ConfigListing, type ResolvedConfig } from './nginx-config.js'
import { findServing, proxyingTo, type Serving } from './nginx-servers.js'
import { ConfigSyntaxError } from './nginx-syntax.js'

export interface Discovery {
  /** The configuration that was read, for messages. */
  source: string
  /** Null when the configuration could not be read (see `problem`). */
  serving: Serving | null
  problem: string
}

const MAX_READS = 6

/** `upstream`: the include defines this upstream, and the server blocks that proxy to it serve the app. */
export async function discover(
  remote: Remote,
  facts: NginxFacts,
  include: string,
  includeText: string,
  upstream?: string
): Promise<Discovery> {
  const viaDump = facts.dumpStatus === 'ok'
  const listing = parseListing(facts.config, viaDump ? undefined : new Map())
  const source = describe(listing, viaDump, facts)
  if (!listing.main || listing.unreadable.has(listing.main)) {
    return { source, serving: null, problem: `the login user cannot read ${listing.main || 'the nginx configuration'}` }
  }
  try {
    const resolved = await resolveAll(remote, listing, viaDump, include)
    const found = findServing(resolved.directives, dirname(listing.main), include, includeText)
    const serving = upstream ? { ...found, servers: proxyingTo(resolved.directives, upstream) } : found
    if (!serving.includedAt.length && resolved.unreadable.length) {
      return { source, serving: null, problem: `the login user cannot read ${resolved.unreadable.slice(0, 5).join(', ')}` }
    }
    return { source, serving, problem: '' }
  } catch (error) {
    if (error instanceof ConfigSyntaxError) return { source, serving: null, problem: `it could not be parsed: ${error.message}` }
    throw error
  }
}

async function resolveAll(remote: Remote, listing: ConfigListing, viaDump: boolean, include: string): Promise<ResolvedConfig> {
  let resolved = resolveIncludes(listing, include)
  for (let read = 0; !viaDump && resolved.unknown.length && read < MAX_READS; read++) {
    mergeListing(listing, parseListing(await runChecked(remote, readConfigFiles(resolved.unknown)), listing.expanded))
    resolved = resolveIncludes(listing, include)
  }
  return resolved
}

function describe(listing: ConfigListing, viaDump: boolean, facts: NginxFacts): string {
  const more = listing.files.size - 1
  if (viaDump) return `'nginx -T' (${listing.main}${more ? ` and ${more} more file(s)` : ''})`
  const why = facts.dumpStatus === 'not run' ? "'nginx -T' could not be used" : `'nginx -T' ${facts.dumpStatus}`
  return `${listing.main || 'the main configuration'} and the files it includes, as '${facts.user}' can read them (${why})`
}
