/** Parts of an image reference: repository, registry, digest. */

/** `registry.example.com:5000/team/api:1.2` → `registry.example.com:5000/team/api`. */
export function repositoryOf(ref: string): string {
  const withoutDigest = ref.split('@')[0]
  const lastSlash = withoutDigest.lastIndexOf('/')
  const tagColon = withoutDigest.indexOf(':', lastSlash + 1)
  return tagColon === -1 ? withoutDigest : withoutDigest.slice(0, tagColon)
}

/** The registry host of a reference, as `docker login` wants it; Docker Hub when there is none. */
export function registryOf(ref: string): string {
  const first = ref.split('/')[0]
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io'
}

/** The `sha256:` digest the registry gave this reference's repository. */
export function digestOf(ref: string, repoDigests: string[]): string {
  const pinned = /@(sha256:[a-f0-9]{64})$/.exec(ref)
  if (pinned) return pinned[1]
  const repository = repositoryOf(ref)
  const match = repoDigests.find(entry => entry.split('@')[0] === repository) ?? repoDigests[0]
  return match?.split('@')[1] ?? ''
}
