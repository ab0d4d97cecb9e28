/** One check through nginx: a request through an SSH tunnel to the listener, with the server block's Host. */
import { waitHealthy } from '../health/health.js'
import type { HealthSettings } from '../settings/types.js'
import type { Remote } from '../ssh/remote.js'
import { describeTarget, type VerifyTarget } from './nginx-verify.js'

const VERIFY_TIMEOUT_MS = 10_000

/** nginx reloads asynchronously, so this asks until it answers (up to 10 s). */
export async function checkThrough(
  remote: Remote,
  target: VerifyTarget,
  health: HealthSettings
): Promise<{ healthy: boolean; note: string }> {
  const tunnel = await remote.openTunnel(target.port, target.connectHost)
  try {
    const result = await waitHealthy({
      baseUrl: `${target.scheme}://127.0.0.1:${tunnel.localPort}`,
      settings: { ...health, path: target.path, timeoutMs: VERIFY_TIMEOUT_MS, intervalMs: 250 },
      requiredSuccesses: 1,
      isAlive: async () => true,
      connected: () => tunnel.check(),
      host: target.host
    })
    return { healthy: result.healthy, note: `${describeTarget(target)} → ${result.attempts.at(-1)?.detail ?? 'no answer'}` }
  } finally {
    // Not awaited: these connections go to nginx, which no drain waits on, and the deploy goes on at once.
    void tunnel.close()
  }
}
