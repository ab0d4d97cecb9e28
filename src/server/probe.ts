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
  /** remote-dir as an absolute path, '' when it does not exist yet. */
  dirPath: string
  nginx: NginxFacts
}

/** What the probe found out about running the nginx steps. */
export interface NginxFacts {
  user: string
  /** Whether the login user itself may write (or create) the include. */
  includeWritable: boolean
  /** One per command checked with `sudo -n -l`, in the order sent; empty when the nginx steps do not use sudo. */
  sudo: SudoCheck[]
  /** 'ok' when `nginx -T` ran, else why not ('not run', 'failed: ...'). */
  dumpStatus: string
  /** The `nginx -T` output, or the main configuration file in the same format. */
  config: string
}

export interface SudoCheck {
  allowed: boolean
  /** The command's full path on the server, for the sudoers line. */
  path: string
  /** What sudo said (the command it would run, or why not). */
  said: string
}

/** `template` null: the include is an upstream block, whose routes the caller reads per host. */
export function parseProbe(output: string, slots: Slots, template: string | null): ServerProbe {
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
    routed: includeText === null || template === null ? null : routedSlot(includeText, slots, template, listening),
    listening,
    managementListening: { blue: management('blue'), green: management('green') },
    record: parseRecord(sections.get('record') ?? ''),
    programFound: (sections.get('program') ?? '').trim() !== '',
    dirPath: (sections.get('dir-path') ?? '').trim(),
    nginx: nginxFacts(sections)
  }
}

function nginxFacts(sections: Map<string, string>): NginxFacts {
  const sudo = (sections.get('sudo') ?? '')
    .split('\n')
    .filter(line => line.trim())
    .map(line => {
      const [status, path = '', said = ''] = line.split('\t')
      return { allowed: status === 'ok', path, said: said.trim() }
    })
  return {
    user: (sections.get('user') ?? '').trim(),
    includeWritable: (sections.get('include-writable') ?? '').trim() === 'yes',
    sudo,
    dumpStatus: (sections.get('nginx-config-status') ?? '').trim(),
    config: sections.get('nginx-config') ?? ''
  }
}

function routedSlot(text: string, slots: Slots, template: string, listening: Record<Color, boolean>): ServerProbe['routed'] {
  // An empty include routes nowhere: it is how "no include" is restored when sudo may only tee the file.
  if (!text.trim()) return null
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
