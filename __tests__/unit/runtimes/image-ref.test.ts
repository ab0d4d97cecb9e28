import { digestOf, registryOf, repositoryOf } from '../../../src/runtimes/image-ref.js'

describe('image references', () => {
  it.each([
    ['ghcr.io/acme/api:1.4.2', 'ghcr.io/acme/api', 'ghcr.io'],
    ['localhost:5000/shop:v1', 'localhost:5000/shop', 'localhost:5000'],
    ['nginx', 'nginx', 'docker.io'],
    ['acme/api@sha256:' + 'a'.repeat(64), 'acme/api', 'docker.io']
  ])('%s is repository %s on %s', (ref, repository, registry) => {
    expect(repositoryOf(ref)).toBe(repository)
    expect(registryOf(ref)).toBe(registry)
  })

  it('takes the digest of the deployed repository, or the pinned one', () => {
    const digests = ['other/x@sha256:' + '1'.repeat(64), 'ghcr.io/acme/api@sha256:' + '2'.repeat(64)]
    expect(digestOf('ghcr.io/acme/api:1.0', digests)).toBe('sha256:' + '2'.repeat(64))
    expect(digestOf('ghcr.io/acme/api@sha256:' + '3'.repeat(64), digests)).toBe('sha256:' + '3'.repeat(64))
  })
})
