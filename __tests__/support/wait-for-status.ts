/** Polls a URL through the lab's HTTP helper until it answers `status`; returns the body. */
import type { Lab } from '../../lab/lab.mjs'

export async function waitForStatus(lab: Lab, url: string, status: number, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer'
  while (Date.now() < deadline) {
    try {
      const res = await lab.httpGet(url, { timeoutMs: 2000 })
      if (res.status === status) return res.body
      last = `${res.status} ${res.body}`
    } catch (err) {
      last = (err as Error).message
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms; last: ${last}`)
}
