/** The slot ports (ports, management-ports) and the port placeholders the app's inputs may hold. */
import { unknownPlaceholders } from '../commands/placeholders.js'
import { InputError } from '../errors.js'
import type { Slots } from '../server/slots.js'
import { parsePort } from './inputs.js'

export function readSlots(ports: string, managementPorts: string): Slots {
  const [blue, green] = readPair('ports', ports, '8080,8081')
  if (!managementPorts) return { blue, green }
  const management = readPair('management-ports', managementPorts, '18081,18082')
  const clash = management.find(port => port === blue || port === green)
  if (clash !== undefined)
    throw new InputError('management-ports', managementPorts, `ports other than the slots' app ports in 'ports' (${blue}, ${green})`)
  return { blue, green, management: { blue: management[0], green: management[1] } }
}

function readPair(input: string, value: string, example: string): [number, number] {
  const parts = value.split(',').map(part => part.trim())
  if (parts.length !== 2) throw new InputError(input, value, `two ports separated by a comma, blue first: ${example}`)
  const [blue, green] = parts.map(part => parsePort(input, part))
  if (blue === green) throw new InputError(input, value, 'two different ports')
  return [blue, green]
}

/**
 * Refuses placeholders other than {port} and {management-port}, and {management-port} without management-ports.
 * `shown` is what the error quotes: an env value may be a secret, so its key stands in for it.
 */
export function checkPlaceholders(input: string, text: string, slots: Slots, shown = text): void {
  const unknown = unknownPlaceholders(text)
  if (unknown.length > 0) {
    throw new InputError(input, shown, `only the placeholders {port} and {management-port} (found ${unknown.join(', ')})`)
  }
  if (text.includes('{management-port}') && !slots.management) {
    throw new InputError(input, shown, "{management-port} only together with 'management-ports' (which is empty)")
  }
}
