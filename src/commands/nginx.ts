/** nginx include rendering/parsing and the test/reload commands. */
import { withSudo, type RemoteCommand } from './script.js'

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
