/** The health check's inputs: where to ask, how often, and what counts as healthy. */
import { InputError } from '../errors.js'
import type { HealthSettings } from '../health/health.js'
import type { Slots } from '../server/slots.js'
import { parseChoice, parseDuration, parseInteger } from './inputs.js'

export type { HealthSettings }

type Input = (name: string, fallback?: string) => string

export function readHealth(input: Input, slots: Slots): HealthSettings {
  const path = input('health-path', '/actuator/health')
  if (!/^\/[\x21-\x7e]*$/.test(path)) throw new InputError('health-path', path, 'a URL path starting with /')
  const intervalMs = parseDuration('health-interval', input('health-interval', '500ms'))
  if (intervalMs < 50) throw new InputError('health-interval', input('health-interval'), 'at least 50ms')
  const port = parseChoice('health-port', input('health-port', 'app'), ['app', 'management'] as const)
  if (port === 'management' && !slots.management) {
    throw new InputError('health-port', port, "'app' while 'management-ports' is empty (set both to check the management port)")
  }
  return {
    path,
    port,
    checksRequired: parseInteger('health-checks-required', input('health-checks-required', '1'), 1, 100),
    timeoutMs: parseDuration('health-timeout', input('health-timeout', '60s')),
    intervalMs,
    expectStatus: parseInteger('health-expect-status', input('health-expect-status', '200'), 100, 599),
    expectBody: readExpectBody(input('health-expect-body'))
  }
}

function readExpectBody(value: string): string {
  try {
    new RegExp(value)
  } catch (error) {
    throw new InputError(
      'health-expect-body',
      value,
      `a JavaScript regular expression such as "status"\\s*:\\s*"green" (${(error as Error).message})`
    )
  }
  return value
}
