/** What the preview end-to-end tests share: the pull_request event file, the preview inputs and requests by host name. */
import { request } from 'node:http'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'
import type { ActionRun, RunOptions } from '../../lab/run-action.mjs'

export const BASE_REPO = 'acme/shop'

/** A pull_request event payload file (what GITHUB_EVENT_PATH names); `headRepo` differs from the base for a fork. */
export function prEvent(number: number, headRepo = BASE_REPO): string {
  const file = join(mkdtempSync(join(tmpdir(), 'event-')), 'event.json')
  const pullRequest = {
    number,
    head: { sha: `sha-of-pr-${number}`, repo: { full_name: headRepo, fork: headRepo !== BASE_REPO } },
    base: { repo: { full_name: BASE_REPO } }
  }
  writeFileSync(file, JSON.stringify({ pull_request: pullRequest, repository: { full_name: BASE_REPO } }))
  return file
}

/**
 * Inputs of a preview in the lab: served at pr-N.preview.test on the lab's nginx port. `ports`: the
 * preview-ports range, one per test file, since test files run at once on the same host.
 */
export function previewInputs(lab: Lab, ports: string, overrides: Record<string, string> = {}): Record<string, string> {
  const template = `server {
    listen 127.0.0.1:${lab.nginxPort};
    server_name pr-{number}.preview.test;
    location / { proxy_pass http://127.0.0.1:{port}; proxy_read_timeout 60s; }
}`
  return {
    ...labInputs(lab, 'shop'),
    command: 'preview',
    'preview-ports': ports,
    'preview-domain': 'preview.test',
    'preview-nginx-dir': lab.nginxSitesDir,
    'preview-nginx-template': template,
    'preview-url-template': `http://pr-{number}.preview.test:${lab.nginxPort}`,
    'drain-timeout': '10s',
    'stop-timeout': '3s',
    ...overrides
  }
}

/** Runs the action on a pull_request event of `number` (from `headRepo`). */
export function runOnPullRequest(
  number: number,
  inputs: Record<string, string>,
  options: RunOptions & { headRepo?: string; apiUrl?: string } = {}
): Promise<ActionRun> {
  const extraEnv = {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: prEvent(number, options.headRepo),
    ...(options.apiUrl ? { GITHUB_API_URL: options.apiUrl } : {})
  }
  return runAction(inputs, { ...options, extraEnv: { ...extraEnv, ...options.extraEnv } })
}

/** GET through the lab's nginx with a preview's host name. */
export function viaHost(lab: Lab, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise(resolve => {
    // A fresh connection per request, as the load generator uses: a kept-alive one can be closed by an
    // nginx worker retiring on reload, which a browser retries but a bare client reports as a failure.
    const req = request({ host: '127.0.0.1', port: lab.nginxPort, path, headers: { host }, timeout: 10_000, agent: false }, res => {
      let body = ''
      res.on('data', chunk => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }))
    })
    req.on('error', () => resolve({ status: 0, body: '' }))
    req.end()
  })
}
