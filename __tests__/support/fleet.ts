/** Shared by the tests across hosts: the fleet lab's inputs, deploys under load through its nginx, and what each host runs. */
import { startLoad, TEST_LOAD, type Sample } from '../../bench/load.mjs'
import type { FleetLab } from '../../lab/fleet-lab.mjs'
import { runAction, type ActionRun, type RunOptions } from '../../lab/run-action.mjs'

/** Inputs for a deploy of `app` to every app host of the lab, with nginx on its own host. */
export function fleetInputs(lab: FleetLab, app: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    host: lab.apps.map(host => host.address).join(','),
    'nginx-host': lab.nginx.address,
    username: lab.username,
    'private-key': lab.privateKey,
    'known-hosts': lab.knownHosts,
    'app-name': app,
    'remote-dir': `${lab.remoteRoot}/${app}`,
    ports: lab.ports.join(','),
    'nginx-include': lab.include,
    'nginx-upstream': lab.upstream,
    'nginx-test-command': lab.nginxTestCommand,
    'nginx-reload-command': lab.nginxReloadCommand,
    env: 'BOOT_DELAY_MS=300',
    'health-timeout': '30s',
    'drain-timeout': '10s',
    'stop-timeout': '5s',
    ...overrides
  }
}

export interface LoadedRun {
  run: ActionRun
  samples: Sample[]
  failed: Sample[]
}

/** Runs the action while steady load goes through the lab's nginx (https, with its server name). */
export async function underLoad(lab: FleetLab, inputs: Record<string, string>, options?: RunOptions): Promise<LoadedRun> {
  const load = startLoad(lab.nginxUrl, { ...TEST_LOAD, serverName: lab.serverName })
  const run = await runAction(inputs, options)
  const samples = await load.stop()
  return { run, samples, failed: samples.filter(sample => sample.status !== 200) }
}

export async function includeText(lab: FleetLab): Promise<string> {
  return (await lab.nginx.exec(`cat ${lab.include}`)).stdout
}

/** The version each app host's slot port answers with (directly, not through nginx); '' when nothing answers. */
export async function versionOn(lab: FleetLab, host: number, port: number): Promise<string> {
  const result = await lab.apps[host].exec(`curl -fsS --max-time 5 http://127.0.0.1:${port}/version || true`)
  return result.stdout.trim()
}

/** The versions nginx serves over `count` requests. */
export async function servedVersions(lab: FleetLab, count = 12): Promise<string[]> {
  const load = startLoad(lab.nginxUrl, { fastClients: 1, slowClients: 0, serverName: lab.serverName })
  while (load.samples.length < count) await new Promise(resolve => setTimeout(resolve, 20))
  const samples = await load.stop()
  return [...new Set(samples.filter(s => s.status === 200).map(s => s.version))].sort()
}
