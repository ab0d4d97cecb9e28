/**
 * The nginx configuration as the server showed it: the files of `nginx -T`, or the files the login user
 * could read, and their include directives followed the way nginx follows them. Pure.
 */
import { parseConfig, type Directive } from './nginx-syntax.js'

export interface ConfigListing {
  /** The main configuration file: the first one listed. */
  main: string
  files: Map<string, string>
  unreadable: Set<string>
  /**
   * Include patterns already expanded on the server, and the files they matched. Undefined for `nginx -T`,
   * which lists every file nginx read, so a pattern matches what is listed.
   */
  expanded?: Map<string, string[]>
}

const FILE_HEADER = /^# configuration file (.+):$/
const PATTERN_HEADER = /^# bluegreen-include: (.+)$/
const UNREADABLE = /^# bluegreen-unreadable: (.+)$/

/** Reads `nginx -T` output, or the same format written by readConfigFiles (with its pattern markers). */
export function parseListing(text: string, expanded?: Map<string, string[]>): ConfigListing {
  const listing: ConfigListing = { main: '', files: new Map(), unreadable: new Set(), expanded }
  let file = ''
  let lines: string[] = []
  let pattern = ''
  const flush = () => {
    if (file) listing.files.set(file, lines.join('\n'))
    file = ''
  }
  for (const line of text.split('\n')) {
    const header = FILE_HEADER.exec(line) ?? UNREADABLE.exec(line)
    const patternHeader = PATTERN_HEADER.exec(line)
    if (patternHeader) {
      flush()
      pattern = patternHeader[1]
      expanded?.set(pattern, [])
    } else if (header) {
      flush()
      if (!listing.main) listing.main = header[1]
      if (pattern) expanded?.get(pattern)?.push(header[1])
      if (line.startsWith('# configuration file')) [file, lines] = [header[1], []]
      else listing.unreadable.add(header[1])
    } else if (file) lines.push(line)
  }
  flush()
  return listing
}

/** Adds what a later read returned to a listing. */
export function mergeListing(into: ConfigListing, more: ConfigListing): ConfigListing {
  for (const [path, text] of more.files) into.files.set(path, text)
  for (const path of more.unreadable) into.unreadable.add(path)
  return into
}

/** A directive with the files its `include` pulled in spliced in after it. */
export type Resolved = Directive & { block?: Resolved[] }

export interface ResolvedConfig {
  directives: Resolved[]
  /** Include patterns whose files are not known yet (to read next), absolute. */
  unknown: string[]
  /** Files an include named that could not be read. */
  unreadable: string[]
}

const MAX_DEPTH = 12

/**
 * Follows the include directives from the main file; relative paths are relative to its directory.
 * `known`: a file whose include directive is kept but that need not be read (the include: its text is known).
 */
export function resolveIncludes(listing: ConfigListing, known = ''): ResolvedConfig {
  const prefix = dirname(listing.main)
  const unknown = new Set<string>()
  const unreadable = new Set<string>()
  const expand = (directives: Directive[], depth: number): Resolved[] =>
    directives.flatMap(directive => {
      const own: Resolved = directive.block ? { ...directive, block: expand(directive.block, depth) } : directive
      if (directive.name !== 'include' || directive.args.length !== 1 || depth >= MAX_DEPTH) return [own]
      const pattern = absolute(directive.args[0], prefix)
      if (known && pattern === normalize(known)) return [own]
      const files = matches(listing, pattern)
      if (files === undefined) unknown.add(pattern)
      const included = (files ?? []).flatMap(file => {
        const text = listing.files.get(file)
        if (text === undefined) {
          unreadable.add(file)
          return []
        }
        return expand(parseConfig(text, file), depth + 1)
      })
      return [own, ...included]
    })
  const mainText = listing.files.get(listing.main)
  const directives = mainText === undefined ? [] : expand(parseConfig(mainText, listing.main), 0)
  return { directives, unknown: [...unknown], unreadable: [...unreadable] }
}

function matches(listing: ConfigListing, pattern: string): string[] | undefined {
  if (listing.expanded) return listing.expanded.get(pattern)
  const known = [...listing.files.keys(), ...listing.unreadable]
  if (!isGlob(pattern)) return known.includes(pattern) ? [pattern] : []
  return known.filter(path => globMatches(pattern, path)).sort()
}

export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern)
}

/** glob(3) as nginx's include uses it: `*`, `?` and `[...]` within one path component; no leading dot. */
export function globMatches(pattern: string, path: string): boolean {
  const parts = normalize(pattern).split('/')
  const names = normalize(path).split('/')
  return parts.length === names.length && parts.every((part, i) => componentRegExp(part).test(names[i]))
}

function componentRegExp(part: string): RegExp {
  let source = ''
  for (let i = 0; i < part.length; i++) {
    const ch = part[i]
    const close = ch === '[' ? part.indexOf(']', i + 2) : -1
    if (ch === '*') source += '[^/]*'
    else if (ch === '?') source += '[^/]'
    else if (close !== -1) {
      const set = part.slice(i + 1, close)
      source += `[${set.startsWith('!') ? '^' + set.slice(1) : set}]`
      i = close
    } else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  }
  return new RegExp(`^${/^[*?[]/.test(part) ? '(?!\\.)' : ''}${source}$`)
}

export function absolute(path: string, prefix: string): string {
  return normalize(path.startsWith('/') ? path : `${prefix}/${path}`)
}

/** Collapses `//`, `.` and `..`, as the kernel would for these paths. */
export function normalize(path: string): string {
  const out: string[] = []
  for (const part of path.split('/')) {
    if (part === '..') out.pop()
    else if (part !== '.' && part !== '') out.push(part)
  }
  return (path.startsWith('/') ? '/' : '') + out.join('/')
}

export function dirname(path: string): string {
  const cut = path.lastIndexOf('/')
  return cut <= 0 ? '/' : path.slice(0, cut)
}
