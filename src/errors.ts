/**
 * The few named errors the action throws. Each carries what happened (message), what state the
 * server is in now, and what to do next, so the one catch in main.ts can report all three.
 */
export interface ErrorContext {
  /** What the server looks like now, in one sentence a person can act on. */
  serverState?: string
  /** What the user should do next. */
  hint?: string
}

export class ActionError extends Error {
  readonly serverState?: string
  readonly hint?: string
  constructor(message: string, context: ErrorContext = {}) {
    super(message)
    this.name = new.target.name
    this.serverState = context.serverState
    this.hint = context.hint
  }
}

/** An input is missing or malformed. Thrown before anything touches the server. */
export class InputError extends ActionError {
  constructor(input: string, value: string, expected: string) {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value
    super(`Input '${input}' is invalid: got ${JSON.stringify(shown)}, expected ${expected}.`, {
      serverState: 'Nothing was changed on the server.',
      hint: `Fix '${input}' in the workflow's 'with:' block.`
    })
  }
}

/** Connecting or authenticating failed, or the host key was not the expected one. */
export class ConnectionError extends ActionError {}

/** A remote command exited non-zero or timed out. */
export class RemoteCommandError extends ActionError {
  constructor(
    readonly label: string,
    readonly exitCode: number | null,
    readonly output: string,
    context: ErrorContext = {}
  ) {
    const how = exitCode === null ? 'did not finish (timed out or lost connection)' : `exited with code ${exitCode}`
    const detail = output.trim() ? `: ${lastLines(output, 5)}` : ''
    super(`Remote step '${label}' ${how}${detail}`, context)
  }
}

/** The deploy could not go on; the message says why and the context says where that left the server. */
export class DeployError extends ActionError {}

export function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n')
}
