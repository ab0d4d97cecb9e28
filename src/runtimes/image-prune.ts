/** Removes an app instance's own images beyond keep-images, or all of them when a preview is removed. */
import { listImages, removeImage } from '../commands/docker.js'
import { addOwnImage, readImageRecords, writeOwnImages } from '../commands/images.js'
import { layoutOf } from '../server/layout.js'
import { runChecked, type Remote } from '../ssh/remote.js'
import { parseImageList, parseInstances, planPrune, recordedBy, siblingsOf, type InstanceImages } from './image-ownership.js'
import { repositoryOf } from './image-ref.js'

export interface PruneRequest {
  remoteDir: string
  docker: string[]
  /** How many of the instance's own images to keep, newest first; 0 removes them all. */
  keep: number
  /** Never removed: this instance's live and previous releases, the image that runs. */
  protectedHere: string[]
}

/** Notes that this instance pulled `ref`, so that only this instance's prune may remove it. */
export async function recordOwnImage(remote: Remote, remoteDir: string, ref: string): Promise<void> {
  await runChecked(remote, addOwnImage(layoutOf(remoteDir).imagesFile, ref))
}

/** Returns how many images were removed. */
export async function pruneOwnImages(remote: Remote, request: PruneRequest): Promise<number> {
  const layout = layoutOf(request.remoteDir)
  const { self, elsewhere } = await readInstances(remote, request.remoteDir)
  // An instance deployed before its images were recorded still owns its live and previous image.
  const own = self.own.length > 0 ? self.own : recordedBy({ own: [], record: self.record }).filter(ref => ref.includes('@'))
  const repositories = [...new Set(own.map(repositoryOf))]
  const images = []
  for (const repository of repositories)
    images.push(...parseImageList(repository, await runChecked(remote, listImages(request.docker, repository))))
  const plan = planPrune(own, request.keep, request.protectedHere, elsewhere, images)
  let removed = 0
  for (const image of plan.remove) {
    if ((await remote.exec(removeImage(request.docker, image.id))).code === 0) removed++
  }
  if (plan.dropped.length > 0 || (self.own.length === 0 && plan.kept.length > 0))
    await runChecked(remote, writeOwnImages(layout.imagesFile, plan.kept))
  return removed
}

async function readInstances(remote: Remote, remoteDir: string): Promise<{ self: InstanceImages; elsewhere: string[] }> {
  const { parent, self } = siblingsOf(remoteDir)
  const listName = layoutOf(remoteDir).imagesFile.slice(remoteDir.length + 1)
  const instances = parseInstances(await runChecked(remote, readImageRecords(parent, listName)), listName)
  const elsewhere = [...instances].filter(([dir]) => dir !== self).flatMap(([, instance]) => recordedBy(instance))
  return { self: instances.get(self) ?? { own: [], record: null }, elsewhere }
}
