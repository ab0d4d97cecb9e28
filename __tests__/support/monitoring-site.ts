/**
 * An nginx server block in the lab that routes /actuator/ to $service_monitoring_url and everything else to
 * $service_url, both set by its own include: the common setup with a monitoring port per slot.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Lab } from '../../lab/lab.mjs'
import { waitForStatus } from './wait-for-status.js'

export const MONITORING_TEMPLATE =
  'set $service_url http://127.0.0.1:{port};\nset $service_monitoring_url http://127.0.0.1:{management-port};'

export interface MonitoringSite {
  url: string
  include: string
}

/** `blue`: the blue slot's ports, which the include names until the first deploy rewrites it. */
export async function addMonitoringSite(lab: Lab, name: string, blue: { port: number; managementPort: number }): Promise<MonitoringSite> {
  const port = await lab.freePort()
  const include = join(dirname(lab.nginxInclude), `${name}.inc`)
  writeFileSync(
    include,
    MONITORING_TEMPLATE.replace('{port}', String(blue.port)).replace('{management-port}', String(blue.managementPort)) + '\n',
    {
      mode: 0o644
    }
  )
  writeFileSync(
    join(lab.nginxSitesDir, `${name}.conf`),
    `server {
  listen 127.0.0.1:${port};
  include ${include};
  location /actuator/ { proxy_pass $service_monitoring_url; }
  location / { proxy_pass $service_url; }
}
`,
    { mode: 0o644 }
  )
  const [program, ...args] = lab.nginxReloadCommand.split(' ')
  execFileSync(program, args, { stdio: 'pipe' })
  const url = `http://127.0.0.1:${port}`
  // Nothing runs behind it yet: nginx answering 502 means the reload has taken the server block in.
  await waitForStatus(lab, `${url}/`, 502)
  return { url, include }
}
