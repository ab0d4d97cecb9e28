/** A preview's GitHub side: a transient Deployment for environment pr-N, and one PR comment kept current. */
import * as github from '@actions/github'
import { logWarning, markdownCode } from '../report/safe-text.js'

type Octokit = ReturnType<typeof github.getOctokit>
export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'inactive'

export interface PreviewComment {
  url: string
  release: string
  healthy: boolean
  state: 'live' | 'failed' | 'destroyed'
  detail: string
}

export class PreviewGitHub {
  private readonly octokit: Octokit | null
  private readonly repo: { owner: string; repo: string }

  constructor(
    token: string,
    private readonly number: number,
    private readonly appName: string
  ) {
    this.octokit = token ? github.getOctokit(token) : null
    const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '/').split('/')
    this.repo = { owner, repo }
  }

  get environment(): string {
    return `pr-${this.number}`
  }

  async startDeployment(ref: string): Promise<number | null> {
    return this.call('create the deployment', async octokit => {
      const { data } = await octokit.rest.repos.createDeployment({
        ...this.repo,
        ref,
        environment: this.environment,
        transient_environment: true,
        production_environment: false,
        auto_merge: false,
        required_contexts: [],
        description: `Preview of ${this.appName} for #${this.number}`
      })
      const id = 'id' in data ? data.id : null
      if (id) await this.setStatus(octokit, id, 'in_progress', '')
      return id
    })
  }

  async finishDeployment(id: number | null, state: DeploymentState, url: string): Promise<void> {
    if (id !== null) await this.call(`mark the deployment ${state}`, async octokit => this.setStatus(octokit, id, state, url))
  }

  /** Marks every deployment of the PR's environment inactive (the preview is gone). */
  async deactivate(): Promise<void> {
    await this.call('mark the deployments inactive', async octokit => {
      const { data } = await octokit.rest.repos.listDeployments({ ...this.repo, environment: this.environment, per_page: 100 })
      for (const deployment of data) await this.setStatus(octokit, deployment.id, 'inactive', '')
    })
  }

  /** Creates the preview comment once and edits it afterwards, found again by a hidden marker. */
  async upsertComment(comment: PreviewComment): Promise<void> {
    const marker = `<!-- bluegreen-preview:${this.appName} -->`
    const body = `${marker}\n${renderComment(this.appName, this.number, comment)}`
    await this.call('update the pull request comment', async octokit => {
      const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...this.repo, issue_number: this.number, per_page: 100 })
      const mine = comments.find(existing => existing.body?.startsWith(marker))
      if (mine) await octokit.rest.issues.updateComment({ ...this.repo, comment_id: mine.id, body })
      else await octokit.rest.issues.createComment({ ...this.repo, issue_number: this.number, body })
    })
  }

  private async setStatus(octokit: Octokit, id: number, state: DeploymentState, url: string): Promise<void> {
    await octokit.rest.repos.createDeploymentStatus({
      ...this.repo,
      deployment_id: id,
      state,
      auto_inactive: false,
      ...(url ? { environment_url: url } : {}),
      ...(process.env.GITHUB_RUN_ID
        ? { log_url: `${github.context.serverUrl}/${this.repo.owner}/${this.repo.repo}/actions/runs/${github.context.runId}` }
        : {})
    })
  }

  /** GitHub problems never fail the preview itself: they are reported as warnings with the reason. */
  private async call<T>(what: string, run: (octokit: Octokit) => Promise<T>): Promise<T | null> {
    if (!this.octokit) return null
    try {
      return await run(this.octokit)
    } catch (error) {
      const status = (error as { status?: number }).status
      const why =
        status === 403 || status === 404
          ? 'the github-token may not do this here: a pull request from a fork gets a read-only token, and the workflow needs ' +
            "'permissions: deployments: write, pull-requests: write'"
          : (error as Error).message
      logWarning(`Could not ${what} on GitHub (${status ?? 'error'}): ${why}. The preview itself is not affected.`)
      return null
    }
  }
}

export function renderComment(appName: string, number: number, comment: PreviewComment): string {
  const icon = { live: '🟢', failed: '🔴', destroyed: '⚪' }[comment.state]
  const rows =
    comment.state === 'destroyed'
      ? [['State', 'destroyed (the pull request was closed)']]
      : [
          ['URL', comment.url],
          ['Release', markdownCode(comment.release.replace(/^sha256:/, '').slice(0, 12))],
          ['Health', comment.healthy ? 'healthy' : 'not healthy'],
          ['State', markdownCode(comment.detail)]
        ]
  const table = rows.map(([key, value]) => `| ${key} | ${value.replace(/\|/g, '\\|')} |`).join('\n')
  return (
    `### ${icon} Preview of ${appName} for #${number}\n\n| | |\n| --- | --- |\n${table}\n\n<sub>Updated ` +
    `${new Date().toISOString()}</sub>`
  )
}
