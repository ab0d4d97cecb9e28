/** The settings of one preview instance (APP-pr-N) and where its lock lives. Pure. */
import { NO_HOOKS } from '../settings/hooks.js'
import { fillPreview } from '../settings/preview.js'
import type { Settings } from '../settings/types.js'

export function previewUrl(settings: Settings, number: number): string {
  return fillPreview(settings.preview.urlTemplate, { number, domain: settings.preview.domain, app: settings.appName })
}

/** The settings of one preview: its own app name, directory, ports, nginx file and environment, no hooks, all else shared. */
export function previewInstance(settings: Settings, number: number, ports: [number, number]): Settings {
  const { preview } = settings
  const appName = `${settings.appName}-pr-${number}`
  return {
    ...settings,
    command: 'deploy',
    appName,
    remoteDir: `${settings.remoteDir}-pr-${number}`,
    slots: { blue: ports[0], green: ports[1] },
    keepPreviousMs: 0,
    env: previewEnv(settings),
    // Hooks are production's (a migration against its database, say): a pull request's preview runs none.
    hooks: { ...settings.hooks, ...NO_HOOKS },
    nginx: {
      ...settings.nginx,
      include: `${preview.nginxDir}/${appName}.conf`,
      template: fillPreview(preview.nginxTemplate, { number, domain: preview.domain, app: settings.appName }),
      // The preview's own file holds its server block: the check goes through it, not through production's URL.
      verify: settings.nginx.verify.kind === 'off' ? settings.nginx.verify : { kind: 'auto' }
    }
  }
}

/** preview-env, on top of production's env only when preview-inherit-env asks for it. */
function previewEnv({ env, preview }: Settings): [string, string][] {
  if (!preview.inheritEnv) return preview.env
  const overridden = new Set(preview.env.map(([key]) => key))
  return [...env.filter(([key]) => !overridden.has(key)), ...preview.env]
}

/** Where previews keep their locks: under production's remote-dir, which nothing removes. */
export function previewsDir(settings: Settings): string {
  return `${settings.remoteDir}/previews`
}

/**
 * Lock settings of one preview. The lock file lives outside the preview's own directory, so removing a
 * preview never unlinks a lock that a waiting or running deploy of it holds.
 */
export function previewLock(settings: Settings, number: number): Settings {
  return { ...settings, appName: `${settings.appName}-pr-${number}`, remoteDir: `${previewsDir(settings)}/pr-${number}` }
}
