/** Small HTTP servers for nginx to proxy to, that count what they answered, and a client that sends many requests. */
import http from 'node:http'

export interface CountingServer {
  port: number
  /** Requests answered since the last reset, and how many of them with 500. */
  answered: number
  failed: number
  reset(): void
  close(): Promise<void>
}

/** Answers every `failEvery`-th request with 500 (0: never), each after `delayMs`. */
export async function countingServer(port: number, { delayMs = 0, failEvery = 0 } = {}): Promise<CountingServer> {
  const server: CountingServer = {
    port,
    answered: 0,
    failed: 0,
    reset() {
      server.answered = 0
      server.failed = 0
    },
    close: () =>
      new Promise(resolve => {
        listener.close(() => resolve())
        listener.closeAllConnections()
      })
  }
  const listener = http.createServer((_req, res) => {
    const fail = failEvery > 0 && (server.answered + 1) % failEvery === 0
    server.answered++
    if (fail) server.failed++
    setTimeout(() => {
      res.statusCode = fail ? 500 : 200
      res.end(fail ? 'failed\n' : 'ok\n')
    }, delayMs)
  })
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject)
    listener.listen(port, '127.0.0.1', () => resolve())
  })
  return server
}

/** GETs every URL, `concurrency` at a time, over kept-alive connections; resolves with the statuses in order. */
export async function getAll(urls: string[], concurrency = 8): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  const statuses: number[] = new Array(urls.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < urls.length) {
      const index = next++
      statuses[index] = await get(urls[index], agent)
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, worker))
  } finally {
    agent.destroy()
  }
  return statuses
}

function get(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, res => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}
