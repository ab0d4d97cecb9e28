/**
 * Reads a step's stdout the way the GitHub runner does (actions/runner ActionCommandManager): one line
 * at a time, split on \r, \n or \r\n; `::name props::data` after leading whitespace, else `##[name props]data`
 * anywhere in the line. The runner compares culture-aware, which may skip invisible characters, so they
 * are dropped first: the worst case.
 */
export interface WorkflowCommand {
  name: string
  properties: Record<string, string>
  data: string
  line: string
}

export const REGISTERED = new Set([
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo',
  'stop-commands'
])

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu

/** Text as the runner's comparisons see it. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, '')
}

function unescape(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%')
}

function parseModern(line: string): WorkflowCommand | null {
  const text = line.trimStart()
  if (!text.startsWith('::')) return null
  const end = text.indexOf('::', 2)
  if (end < 0) return null
  const info = text.slice(2, end)
  const space = info.indexOf(' ')
  const name = space < 0 ? info : info.slice(0, space)
  if (!REGISTERED.has(name)) return null
  const properties: Record<string, string> = {}
  for (const pair of space < 0 ? [] : info.slice(space + 1).split(',')) {
    const [key, value] = pair.split(/=(.*)/s)
    if (key && value) properties[key.trim()] = unescape(value)
  }
  return { name, properties, data: unescape(text.slice(end + 2)), line }
}

function parseLegacy(line: string): WorkflowCommand | null {
  const start = line.indexOf('##[')
  const end = start < 0 ? -1 : line.indexOf(']', start)
  if (end < 0) return null
  const info = line.slice(start + 3, end)
  const name = info.split(' ')[0]
  return REGISTERED.has(name) ? { name, properties: {}, data: line.slice(end + 1), line } : null
}

/** Every line of `stdout` the runner would run as a command. */
export function workflowCommands(stdout: string): WorkflowCommand[] {
  return stdout
    .split(/\r\n|\r|\n/)
    .map(visible)
    .map(line => parseModern(line) ?? parseLegacy(line))
    .filter((command): command is WorkflowCommand => command !== null)
}

/** The commands this action issues itself: annotations and log groups. */
export const OWN_COMMANDS = new Set(['error', 'warning', 'notice', 'debug', 'group', 'endgroup'])
