/** Who and what started this run, as the server's lock, history and state.json name it. */
import { randomBytes } from 'node:crypto'
import * as github from '@actions/github'
import type { RunInfo } from './context.js'

export function runInfo(): RunInfo {
  const { actor, runId, serverUrl, sha } = github.context
  const repository = process.env.GITHUB_REPOSITORY ?? ''
  const runUrl = repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : ''
  return { actor: actor ?? '', runUrl, commit: sha ?? '', token: randomBytes(6).toString('hex') }
}
