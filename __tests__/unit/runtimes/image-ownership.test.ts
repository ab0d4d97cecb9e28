import { names, parseImageList, parseInstances, planPrune, recordedBy, siblingsOf } from '../../../src/runtimes/image-ownership.js'

const digest = (n: number) => `sha256:${String(n).repeat(64)}`
const repo = 'ghcr.io/acme/shop'
const ref = (n: number) => `${repo}@${digest(n)}`

// `docker images --digests` of the repository: image n has ID ab<n>000000000 and digest n
const listing = [1, 2, 3, 4, 5].map(n => `ab${n}000000000 ${digest(n)} v${n} 2024-01-0${n}`).join('\n')
const images = parseImageList(repo, listing)

describe('image ownership', () => {
  it('names the parent directory shared by production and its previews', () => {
    expect(siblingsOf('bluegreen/shop-pr-3')).toEqual({ parent: 'bluegreen', self: 'bluegreen/shop-pr-3' })
    expect(siblingsOf('/srv/shop')).toEqual({ parent: '/srv', self: '/srv/shop' })
    expect(siblingsOf('shop')).toEqual({ parent: '.', self: 'shop' })
  })

  it('reads each instance’s own list and state', () => {
    const state = JSON.stringify({
      mode: 'image',
      active: { color: 'blue', port: 1, release: digest(2), ref: ref(2) },
      previous: { color: 'green', port: 2, release: digest(1), ref: ref(1) }
    })
    const text =
      `==> bluegreen/shop/state.json\n${state}\n==> bluegreen/shop/images.list\n${ref(2)}\n${ref(1)}\n\n==> ` +
      `./other/images.list\n${ref(5)}\n`
    const instances = parseInstances(text, 'images.list')
    expect([...instances.keys()]).toEqual(['bluegreen/shop', 'other'])
    expect(instances.get('bluegreen/shop')?.own).toEqual([ref(2), ref(1)])
    expect(recordedBy(instances.get('bluegreen/shop')!)).toEqual(expect.arrayContaining([ref(1), digest(1), ref(2), digest(2)]))
  })

  it('matches an image by digest, image ID or tag', () => {
    expect(names(images[0], ref(1))).toBe(true)
    expect(names(images[0], digest(1))).toBe(true)
    expect(names(images[0], `sha256:ab1000000000${'f'.repeat(52)}`)).toBe(true)
    expect(names(images[0], `${repo}:v1`)).toBe(true)
    expect(names(images[0], ref(2))).toBe(false)
  })

  it('removes only its own images beyond keep-images', () => {
    const plan = planPrune([ref(5), ref(4), ref(3)], 1, [digest(5), digest(4)], [], images)
    expect(plan.kept).toEqual([ref(5), ref(4)])
    expect(plan.remove.map(image => image.id)).toEqual(['ab3000000000'])
  })

  it('never removes an image another instance records, even when it drops it from its own list', () => {
    const plan = planPrune([ref(5), ref(1), ref(2)], 1, [digest(5)], [ref(1), digest(2)], images)
    expect(plan.dropped).toEqual([ref(1), ref(2)])
    expect(plan.remove).toEqual([])
  })

  it('removes all its own images when the instance goes, except what others record', () => {
    const plan = planPrune([ref(4), ref(3)], 0, [], [ref(3)], images)
    expect(plan.kept).toEqual([])
    expect(plan.remove.map(image => image.id)).toEqual(['ab4000000000'])
  })
})
