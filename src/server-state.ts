/** Reads everything the deploy needs to know about the server in one round trip, and decides the slots. */
import { parseIncludePort } from './commands/nginx.js'
import { script } from './commands/script.js'
import { DeployError } from './errors.js'
import { TCP_FILTER_SCRIPT, hexPort, isListening, parseTcpTable } from './proc-net.js'
import type { RemoteCommand } from './remote.js'
import type { Slots } from './settings.js'

export type Color = 'blue' | 'green'
export const COLORS: readonly Color[] = ['blue', 'green']

export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue'
}

const PROBE = `include=$1 dir=$2 program=$3; shift 3
echo "== uid"; id -u
echo "== include-status"
if [ -r "$include" ]; then echo present; elif [ -e "$include" ]; then echo unreadable; else echo missing; fi
echo "== include"; cat -- "$include" 2>/dev/null; echo
echo "== state"; cat -- "$dir/state.json" 2>/dev/null
echo "== tcp"; ${TCP_FILTER_SCRIPT}
echo "== program"; command -v "$program" || true
echo "== sudo"; { sudo -n true 2>&1 && echo ok; } || true`

/** `ports`: the slot ports, whose TCP table lines (only) come back. */
export function probeServer(include: string, remoteDir: string, program: string, ports: number[]): RemoteCommand {
  return { label: 'read server state', argv: script(PROBE, [include, remoteDir, program, ...ports.map(hexPort)]), timeoutMs: 30_000 }
}

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

export interface ServerState {
  isRoot: boolean
  includeText: string | null
  /** The slot nginx points at (from the include), and whether something answers on its port. */
  routed: { color: Color; port: number; listening: boolean } | null
  listening: Record<Color, boolean>
  recordedState: Record<string, unknown> | null
  programFound: boolean
  /** What `sudo -n true` said: 'ok', or why not (needs a password, not installed). */
  sudo: string
}

export function readServerState(output: string, slots: Slots, template: string): ServerState {
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
  return {
    isRoot: (sections.get('uid') ?? '').trim() === '0',
    includeText,
    routed: includeText === null ? null : routedSlot(includeText, slots, template, listening),
    listening,
    recordedState: parseJson(sections.get('state')),
    programFound: (sections.get('program') ?? '').trim() !== '',
    sudo: (sections.get('sudo') ?? '').trim()
  }
}

function routedSlot(text: string, slots: Slots, template: string, listening: Record<Color, boolean>): ServerState['routed'] {
  const port = parseIncludePort(template, text)
  if (port === null) {
    throw new DeployError(`The nginx include does not follow 'nginx-include-template' (${template}); it contains: ${text.trim().slice(0, 200)}`, {
      serverState: 'Nothing was changed on the server.',
      hint: "Set 'nginx-include-template' to match the include's format, or fix the include by hand."
    })
  }
  const color = COLORS.find(c => slots[c] === port)
  if (!color) {
    throw new DeployError(`nginx routes to port ${port}, which is neither the blue (${slots.blue}) nor the green (${slots.green}) slot.`, {
      serverState: 'Nothing was changed on the server.',
      hint: `Set 'ports' so that one slot is ${port}, or point the include at a slot port by hand.`
    })
  }
  return { color, port, listening: listening[color] }
}

function parseJson(text: string | undefined): Record<string, unknown> | null {
  try {
    return text?.trim() ? (JSON.parse(text) as Record<string, unknown>) : null
  } catch {
    return null
  }
}
