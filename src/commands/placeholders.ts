/** `{port}` and `{management-port}` in app-args, java-options, env values and docker-run-args, filled per slot at start. */

export const PORT_PLACEHOLDERS = ['{port}', '{management-port}'] as const

/** What looks like a placeholder: a lower-case word (with - or _) in braces. `${VAR}`, `{{.Name}}` and JSON do not. */
const PLACEHOLDER_LIKE = /\{[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*\}/g

/** The placeholder-like words in `text` that are not {port} or {management-port}. */
export function unknownPlaceholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER_LIKE)]
    .map(match => match[0])
    .filter(word => !(PORT_PLACEHOLDERS as readonly string[]).includes(word))
}

export interface SlotPorts {
  port: number
  managementPort?: number
}

/** Settings refuse {management-port} without management-ports, so a slot without one never meets it here. */
export function fillPorts(text: string, ports: SlotPorts): string {
  const filled = text.replaceAll('{port}', String(ports.port))
  if (!filled.includes('{management-port}')) return filled
  if (ports.managementPort === undefined) throw new Error('{management-port} used for a slot without a management port')
  return filled.replaceAll('{management-port}', String(ports.managementPort))
}

export function fillEnv(env: [string, string][], ports: SlotPorts): [string, string][] {
  return env.map(([key, value]) => [key, fillPorts(value, ports)])
}
