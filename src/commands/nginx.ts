/** nginx include rendering/parsing and the test/reload commands. */
import type { SlotPorts } from './placeholders.js'
import { withSudo, type RemoteCommand } from './script.js'

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
