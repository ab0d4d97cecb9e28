/**
 * Which images an app instance may remove: only images it pulled itself, beyond keep-images, and never one
 * that another instance (production, another preview, another app) records as its own, live or previous.
 * Pure: it reads command output and decides.
 */
import { parseRecord, type DeployRecord } from '../server/record.js'

/** One local image: its short ID, the registry digests it has and its `repository:tag` names. */
export interface ImageEntry {
  id: string
  digests: string[]
  names: string[]
}

/** What one instance directory says about images: its own list (newest first) and its state.json. */
export interface InstanceImages {
  own: string[]
  record: DeployRecord | null
}

const DIGEST = /sha256:[a-f0-9]{64}$/

/** The directory that holds `remoteDir` and its siblings, and `remoteDir` as the listing names it. */
export function siblingsOf(remoteDir: string): { parent: string; self: string } {
  const slash = remoteDir.lastIndexOf('/')
  const parent = slash === -1 ? '.' : slash === 0 ? '/' : remoteDir.slice(0, slash)
  return { parent, self: normalize(remoteDir) }
}

function normalize(path: string): string {
  return path
    .replace(/\/+/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/(.)\/$/, '$1')
}

/** `docker images --digests --format '{{.ID}} {{.Digest}} {{.Tag}} ...' <repository>` lines, grouped by image. */
export function parseImageList(repository: string, text: string): ImageEntry[] {
  const byId = new Map<string, ImageEntry>()
  for (const line of text.split('\n').filter(l => l.trim())) {
    const [id, digest, tag] = line.trim().split(' ')
    const entry = byId.get(id) ?? { id, digests: [], names: [] }
    if (DIGEST.test(digest ?? '')) entry.digests.push(digest)
    if (tag && tag !== '<none>') entry.names.push(`${repository}:${tag}`)
    byId.set(id, entry)
  }
  return [...byId.values()]
}

/** `==> <dir>/<file>` sections of the records listing, by instance directory. */
export function parseInstances(text: string, listName: string): Map<string, InstanceImages> {
  const instances = new Map<string, InstanceImages>()
  for (const section of text.split(/^==> /m).filter(s => s.trim())) {
    const newline = section.indexOf('\n')
    const path = section.slice(0, newline === -1 ? undefined : newline)
    const body = newline === -1 ? '' : section.slice(newline + 1)
    const dir = normalize(path.slice(0, path.lastIndexOf('/')))
    const instance = instances.get(dir) ?? { own: [], record: null }
    if (path.endsWith(`/${listName}`))
      instance.own = body
        .split('\n')
        .map(l => l.trim())
        .filter(Boolean)
    else instance.record = parseRecord(body)
    instances.set(dir, instance)
  }
  return instances
}

/** Every image reference or release an instance records: its own list, its live and its previous. */
export function recordedBy(instance: InstanceImages): string[] {
  const slots = [instance.record?.live, instance.record?.previous]
  return [...instance.own, ...slots.flatMap(slot => [slot?.ref, slot?.release])].filter((value): value is string => !!value)
}

/** Whether a reference (`repo@sha256:...`, `repo:tag`) or a release (digest or image ID) names this image. */
export function names(entry: ImageEntry, refOrRelease: string): boolean {
  const digest = DIGEST.exec(refOrRelease)?.[0]
  if (!digest)
    return entry.names.includes(refOrRelease.includes(':', refOrRelease.lastIndexOf('/') + 1) ? refOrRelease : `${refOrRelease}:latest`)
  return entry.digests.includes(digest) || digest.slice(7).startsWith(entry.id.replace(/^sha256:/, ''))
}

export interface PrunePlan {
  /** The instance's own list after pruning, newest first. */
  kept: string[]
  /** Own references dropped from the list. */
  dropped: string[]
  /** Images to remove: named by a dropped reference and by nothing kept or recorded elsewhere. */
  remove: ImageEntry[]
}

/** `own`: newest first; `protectedHere`: this instance's live and previous; `elsewhere`: what other instances record. */
export function planPrune(own: string[], keep: number, protectedHere: string[], elsewhere: string[], images: ImageEntry[]): PrunePlan {
  const isProtected = (ref: string) => protectedHere.some(p => sameImage(p, ref, images))
  const kept = own.filter((ref, index) => index < keep || isProtected(ref))
  const dropped = own.filter(ref => !kept.includes(ref))
  const stillWanted = [...kept, ...protectedHere, ...elsewhere]
  const remove = images.filter(image => dropped.some(ref => names(image, ref)) && !stillWanted.some(ref => names(image, ref)))
  return { kept, dropped, remove }
}

function sameImage(a: string, b: string, images: ImageEntry[]): boolean {
  const digest = DIGEST.exec(a)?.[0]
  return a === b || (!!digest && digest === DIGEST.exec(b)?.[0]) || images.some(image => names(image, a) && names(image, b))
}
