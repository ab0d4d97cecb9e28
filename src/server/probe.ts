/** What the one-round-trip probe (commands/probe.ts) found on the server. Pure. */
import { parseIncludePorts } from '../commands/nginx.js'
import { DeployError } from '../errors.js'
import { parseRecord, type DeployRecord } from './record.js'
import { COLORS, type Color, type Slots } from './slots.js'
import { isListening, parseTcpTable } from './tcp-table.js'

export function parseSections(output: string): Map<string, string> {
  const sections = new Map<string, string>()
  let name = ''
  let lines: string[] = []
  for (const line of output.split('\n')) {
    const header = /^== ([a-z-]+)$/.exec(line)
    if (header) {
      if (name) sections.set(name, lines.join('\n'))
      name = header[1]
      lines = []
    } else lines.push(line)
  }
  if (name) sections.set(name, lines.join('\n'))
  return sections
}

export interface ServerProbe {
  isRoot: boolean
  includeText: string | null
  /**
   * The slot nginx points at (from the include), and whether something answers on its port. `managementPort`:
   * what the include names as the management port, if it names one.
   */
  routed: { color: Color; port: number; managementPort?: number; listening: boolean } | null
  listening: Record<Color, boolean>
  /** Whether something listens on each slot's management port (false without management-ports). */
  managementListening: Record<Color, boolean>
  /** state.json, if there is one. */
  record: DeployRecord | null
  programFound: boolean
  /** What `sudo -n true` said: 'ok', or why not (needs a password, not installed). */
  sudo: string
}

export function parseProbe(output: string, slots: Slots, template: string): ServerProbe {
  const sections = parseSections(output)
  const tcp = parseTcpTable(sections.get('tcp') ?? '')
  const includeStatus = (sections.get('include-status') ?? '').trim()
  if (includeStatus === 'unreadable') {
    throw new DeployError('The nginx include file exists but the login user cannot read it.', {
      serverState: 'Nothing was changed on the server.',
      hint: "Make the include readable by the login user (chmod 644), or point 'nginx-include' at the right file."
    })
  }
  const includeText = includeStatus === 'present' ? (sections.get('include') ?? '') : null
  const listening = { blue: isListening(tcp, slots.blue), green: isListening(tcp, slots.green) }
  const management = (color: Color) => slots.management !== undefined && isListening(tcp, slots.management[color])
  return {
    isRoot: (sections.get('uid') ?? '').trim() === '0',
    includeText,
    routed: includeText === null ? null : routedSlot(includeText, slots, template, listening),
    listening,
    managementListening: { blue: management('blue'), green: management('green') },
    record: parseRecord(sections.get('record') ?? ''),
    programFound: (sections.get('program') ?? '').trim() !== '',
    sudo: (sections.get('sudo') ?? '').trim()
  }
}

function routedSlot(text: string, slots: Slots, template: string, listening: Record<Color, boolean>): ServerProbe['routed'] {
  const found = parseIncludePorts(template, text)
  if (found === null) {
    throw new DeployError(
      `The nginx include does not follow 'nginx-include-template' (${template}); it contains: ${text.trim().slice(0, 200)}`,
      {
        serverState: 'Nothing was changed on the server.',
        hint: "Set 'nginx-include-template' to match the include's format, or fix the include by hand."
      }
    )
  }
  const { port, managementPort } = found
  const color = COLORS.find(c => slots[c] === port)
  if (!color) {
    throw new DeployError(`nginx routes to port ${port}, which is neither the blue (${slots.blue}) nor the green (${slots.green}) slot.`, {
      serverState: 'Nothing was changed on the server.',
      hint: `Set 'ports' so that one slot is ${port}, or point the include at a slot port by hand.`
    })
  }
  return { color, port, ...(managementPort === null ? {} : { managementPort }), listening: listening[color] }
}
