/** Refuses previews of pull requests from forks: their code would run on the server with this workflow's secrets. */
import { DeployError } from '../errors.js'

/** The parts of a pull_request event payload that say where the pull request's code comes from. */
export interface PullRequestPayload {
  pull_request?: { head?: { repo?: { full_name?: string } | null }; base?: { repo?: { full_name?: string } } }
  repository?: { full_name?: string }
}

/** The fork a pull request comes from, or null when its head is the base repository (or there is no pull request). */
export function forkOf(payload: PullRequestPayload): string | null {
  const pr = payload.pull_request
  if (!pr) return null
  const base = pr.base?.repo?.full_name ?? payload.repository?.full_name ?? ''
  // A head repository that is gone (a deleted fork) cannot be vouched for either.
  const head = pr.head?.repo?.full_name ?? 'a deleted repository'
  return head.toLowerCase() === base.toLowerCase() ? null : head
}

export function refuseFork(payload: PullRequestPayload, number: number, allowForks: boolean): void {
  const fork = forkOf(payload)
  if (!fork || allowForks) return
  throw new DeployError(
    `Refusing to deploy a preview of #${number}: its code comes from the fork ${fork}, and would run on the server with this ` +
      `workflow's secrets.`,
    {
      serverState: 'Nothing was changed on the server.',
      hint:
        "Run previews on 'pull_request' (not 'pull_request_target') and skip forks with " +
        "`if: github.event.pull_request.head.repo.full_name == github.repository`; set 'preview-allow-forks: true' only if every " +
        "fork's code may run on the server."
    }
  )
}
