/**
 * A local stand-in for the GitHub REST API endpoints previews use. It checks each request the way the
 * REST API documents it (method, path, required body fields and their types, token permissions) and
 * answers like GitHub does, so the action's real Octokit calls can be tested without a network.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Recorded {
  method: string
  path: string
  body: Record<string, unknown> | null
  status: number
}

interface Deployment {
  id: number
  ref: string
  environment: string
  transient_environment: boolean
  production_environment: boolean
}
interface Status {
  deployment_id: number
  state: string
  environment_url?: string
  log_url?: string
}
interface Comment {
  id: number
  issue: number
  body: string
}

const STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success']

export class FakeGitHub {
  readonly requests: Recorded[] = []
  readonly deployments: Deployment[] = []
  readonly statuses: Status[] = []
  readonly comments: Comment[] = []
  private nextId = 100
  private readonly server = createServer((req, res) => this.handle(req, res))

  /** `tokens`: token → 'write' or 'read' (a fork's read-only token). */
  constructor(
    private readonly repo: string,
    private readonly tokens: Record<string, 'write' | 'read'>
  ) {}

  async start(): Promise<string> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  close(): Promise<void> {
    return new Promise(resolve => this.server.close(() => resolve()))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', 'http://localhost')
    const record: Recorded = {
      method: req.method ?? '',
      path: url.pathname + url.search,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
      status: 0
    }
    this.requests.push(record)
    const [status, payload] = this.route(req, url, record.body)
    record.status = status
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    res.end(JSON.stringify(payload))
  }

  private route(req: IncomingMessage, url: URL, body: Record<string, unknown> | null): [number, unknown] {
    const token = /^(?:token|Bearer) (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? ''
    if (!this.tokens[token]) return [401, { message: 'Bad credentials' }]
    const base = `/repos/${this.repo}`
    if (!url.pathname.startsWith(base + '/')) return [404, { message: 'Not Found' }]
    const path = url.pathname.slice(base.length)
    const write = req.method !== 'GET'
    if (write && this.tokens[token] !== 'write') return [403, { message: 'Resource not accessible by integration' }]
    if (write && !String(req.headers['content-type']).startsWith('application/json')) return [415, { message: 'Unsupported Media Type' }]
    const method = `${req.method} ${path.replace(/\d+/g, ':n')}`
    switch (method) {
      case 'POST /deployments':
        return this.createDeployment(body ?? {})
      case 'GET /deployments':
        return [
          200,
          this.deployments.filter(d => !url.searchParams.get('environment') || d.environment === url.searchParams.get('environment'))
        ]
      case 'POST /deployments/:n/statuses':
        return this.createStatus(Number(path.split('/')[2]), body ?? {})
      case 'GET /issues/:n/comments':
        return [200, this.comments.filter(c => c.issue === Number(path.split('/')[2])).map(c => ({ id: c.id, body: c.body }))]
      case 'POST /issues/:n/comments':
        return this.createComment(Number(path.split('/')[2]), body ?? {})
      case 'PATCH /issues/comments/:n':
        return this.updateComment(Number(path.split('/')[3]), body ?? {})
      default:
        return [404, { message: 'Not Found' }]
    }
  }

  private createDeployment(body: Record<string, unknown>): [number, unknown] {
    const problems = [
      typeof body.ref !== 'string' && 'ref must be a string',
      body.environment !== undefined && typeof body.environment !== 'string' && 'environment must be a string',
      !Array.isArray(body.required_contexts ?? []) && 'required_contexts must be an array',
      ['transient_environment', 'production_environment', 'auto_merge'].some(k => body[k] !== undefined && typeof body[k] !== 'boolean') &&
        'flags must be booleans'
    ].filter(Boolean)
    if (problems.length) return [422, { message: 'Validation Failed', errors: problems }]
    const deployment = {
      id: this.nextId++,
      ref: body.ref as string,
      environment: (body.environment as string) ?? 'production',
      transient_environment: !!body.transient_environment,
      production_environment: !!body.production_environment
    }
    this.deployments.push(deployment)
    return [201, deployment]
  }

  private createStatus(id: number, body: Record<string, unknown>): [number, unknown] {
    if (!this.deployments.some(d => d.id === id)) return [404, { message: 'Not Found' }]
    if (!STATES.includes(body.state as string)) return [422, { message: 'Validation Failed', errors: ['state'] }]
    if (body.environment_url !== undefined && typeof body.environment_url !== 'string')
      return [422, { message: 'Validation Failed', errors: ['environment_url'] }]
    const status = {
      deployment_id: id,
      state: body.state as string,
      environment_url: body.environment_url as string | undefined,
      log_url: body.log_url as string | undefined
    }
    this.statuses.push(status)
    return [201, { id: this.nextId++, ...status }]
  }

  private createComment(issue: number, body: Record<string, unknown>): [number, unknown] {
    if (typeof body.body !== 'string') return [422, { message: 'Validation Failed' }]
    const comment = { id: this.nextId++, issue, body: body.body }
    this.comments.push(comment)
    return [201, comment]
  }

  private updateComment(id: number, body: Record<string, unknown>): [number, unknown] {
    const comment = this.comments.find(c => c.id === id)
    if (!comment) return [404, { message: 'Not Found' }]
    if (typeof body.body !== 'string') return [422, { message: 'Validation Failed' }]
    comment.body = body.body
    return [200, comment]
  }
}
