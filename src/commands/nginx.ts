/** nginx include rendering/parsing, and the commands that write the include, test, reload and read the configuration. */
import type { SlotPorts } from './placeholders.js'
import { script, withSudo, type RemoteCommand } from './script.js'

export function renderInclude(template: string, slot: SlotPorts): string {
  const text = template.replaceAll('{port}', String(slot.port))
  const filled = slot.managementPort === undefined ? text : text.replaceAll('{management-port}', String(slot.managementPort))
  return filled.trimEnd() + '\n'
}

export interface IncludePorts {
  port: number
  /** null when the template has no {management-port}, or the include was written before it had one. */
  managementPort: number | null
}

const PLACEHOLDER = /\{(port|management-port)\}/g

/**
 * Finds the ports in an include written from `template`, or null when the text does not follow it. An include
 * written before {management-port} was added to the template (its lines left out) still gives the app port.
 */
export function parseIncludePorts(template: string, text: string): IncludePorts | null {
  const found = matchTemplate(template, text)
  if (found || !template.includes('{management-port}')) return found
  const withoutManagement = template
    .split('\n')
    .filter(line => !line.includes('{management-port}'))
    .join('\n')
  return withoutManagement.includes('{port}') ? matchTemplate(withoutManagement, text) : null
}

function matchTemplate(template: string, text: string): IncludePorts | null {
  const trimmed = template.trim()
  const names: string[] = []
  let pattern = ''
  let last = 0
  for (const placeholder of trimmed.matchAll(PLACEHOLDER)) {
    pattern += literal(trimmed.slice(last, placeholder.index)) + '(\\d{1,5})'
    names.push(placeholder[1])
    last = placeholder.index + placeholder[0].length
  }
  const match = new RegExp(pattern + literal(trimmed.slice(last))).exec(text)
  if (!match) return null
  const port = (name: string): number | null => {
    const index = names.indexOf(name)
    return index < 0 ? null : Number(match[index + 1])
  }
  const appPort = port('port')
  return appPort === null ? null : { port: appPort, managementPort: port('management-port') }
}

/** Template text matched literally, any run of whitespace standing for any other. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+')
}

export function nginxTest(command: string[], sudo: boolean): RemoteCommand {
  return { label: 'nginx config test', argv: withSudo(command, sudo), timeoutMs: 30_000 }
}

export function nginxReload(command: string[], sudo: boolean): RemoteCommand {
  return { label: 'nginx reload', argv: withSudo(command, sudo), timeoutMs: 30_000 }
}

/**
 * What sudo runs to write the include: `tee <include>` exactly, so that a sudoers rule can allow this one
 * file and nothing else (no shell, no other path, no option). Its stdout, a copy of the content, is ignored.
 */
export function teeArgv(include: string): string[] {
  return ['tee', include]
}

// The login user may own the include but not its directory: then the file is rewritten in place, as tee
// does. Otherwise cp -p keeps the old file's owner and mode, and mv makes the swap atomic.
const WRITE_INCLUDE = `target=$1 tmp="$1.bluegreen-tmp"
if [ -e "$target" ] && ! [ -w "$(dirname -- "$target")" ]; then cat > "$target"; exit; fi
if [ -e "$target" ]; then cp -p -- "$target" "$tmp" || exit 1; fi
cat > "$tmp" && mv -f -- "$tmp" "$target"`

/** Writes the include, its content on stdin: with sudo through `sudo -n tee`, else atomically where the user may. */
export function writeInclude(include: string, content: string, sudo: boolean, label: string): RemoteCommand {
  const argv = sudo ? withSudo(teeArgv(include), true) : script(WRITE_INCLUDE, [include])
  return { label, argv, stdin: content }
}

// A login user that may write the directory removes the file itself; the caller falls back to sudo rm.
const REMOVE_IF_OWN = 'id -u; if [ -w "$(dirname -- "$1")" ]; then rm -f -- "$1" && echo removed; fi'

/** Prints the login uid, then `removed` when the login user could remove the file itself. */
export function removeIfOwn(path: string): RemoteCommand {
  return { label: 'remove nginx file', argv: script(REMOVE_IF_OWN, [path]) }
}

/** `nginx -T` for a test command that is `nginx ... -t ...`: the same nginx and config, dumped. Null otherwise. */
export function dumpArgv(testCommand: string[]): string[] | null {
  const isNginx = /(^|\/)nginx$/.test(testCommand[0] ?? '')
  return isNginx && testCommand.includes('-t') ? testCommand.map(word => (word === '-t' ? '-T' : word)) : null
}

/** The `-c` file of an nginx command line, or '' when it uses nginx's built-in default. */
export function configPathOf(testCommand: string[]): string {
  const at = testCommand.indexOf('-c')
  return at > 0 ? (testCommand[at + 1] ?? '') : ''
}

// IFS is empty so that a pattern is expanded only as a glob (like nginx's include), never split.
// The markers are the format of `nginx -T`, plus which pattern matched what (server/nginx-config.ts reads it).
const READ_CONFIG = `IFS=''
for pattern in "$@"; do
  printf '# bluegreen-include: %s\\n' "$pattern"
  for file in $pattern; do
    if [ -f "$file" ] && [ -r "$file" ]; then printf '# configuration file %s:\\n' "$file"; cat -- "$file"; echo
    elif [ -e "$file" ]; then printf '# bluegreen-unreadable: %s\\n' "$file"; fi
  done
done`

/** Prints the files that nginx include patterns name, as the login user can read them. */
export function readConfigFiles(patterns: string[]): RemoteCommand {
  return { label: 'read nginx configuration', argv: script(READ_CONFIG, patterns), timeoutMs: 30_000 }
}
