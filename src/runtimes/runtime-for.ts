/** The one place that decides which runtime (jar or image) runs an app, and on which release. */
import type { Settings } from '../settings/types.js'
import type { Remote } from '../ssh/remote.js'
import { ImageRuntime } from './image.js'
import { JarRuntime } from './jar.js'
import type { AppRuntime, RuntimeSource } from './runtime.js'

export type { RuntimeSource }

export function runtimeFor(settings: Settings, remote: Remote, source: RuntimeSource): AppRuntime {
  if ('jar' in source) return new JarRuntime(settings, remote, source.jar)
  if ('image' in source) return new ImageRuntime(settings, remote, source.image)
  if (source.mode === 'jar') return JarRuntime.kept(settings, remote, source.release)
  return new ImageRuntime(settings, remote, imageRefOf(settings, source.ref, source.release))
}

/** A kept image release is pulled by digest, from the repository the record (or the `image` input) names. */
function imageRefOf(settings: Settings, recordedRef = '', release = ''): string {
  const configured = settings.artifact.kind === 'image' ? settings.artifact.ref : ''
  if (!release) return recordedRef || configured
  const repository = (recordedRef || configured).split('@')[0]
  return `${repository}@${release}`
}
