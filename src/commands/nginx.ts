/** nginx include rendering/parsing, and the commands that write the include, test, reload and read the configuration. */
import type { RemoteCommand } from '../ssh/remote.js'
import { script, withSudo } from './script.js'

export function renderInclude(template: string, port: number): string {
  return template.replaceAll('{port}', String(port)).trimEnd() + '\n'
}

/** Finds the port in an include written from `template`, or null when the text does not follow it. */
export function parseIncludePort(template: string, text: string): number | null {
  const [before, after] = template.trim().split('{port}')
  const pattern = escapeRegExp(before).replace(/\s+/g, '\\s+') + '(\\d{1,5})' + escapeRegExp(after ?? '').replace(/\s+/g, '\\s+')
  const match = new RegExp(pattern).exec(text)
  return match ? Number(match[1]) : null
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
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
