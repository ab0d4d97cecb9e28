/** The job summary's building blocks: escaped values, tables and folded parts (see summary.ts for why they look so). */
import type { Slot } from '../server/slots.js'

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, ch => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string)
}

/**
 * A value inside an HTML block: escaped, and on one line, because a blank line would end the block
 * and let the rest of a server's text render as Markdown (links, images, mentions).
 */
export function cellHtml(text: string): string {
  return escapeHtml(text).replace(/\r\n|\r|\n/g, '<br>')
}

export function table(headers: string[], rows: string[][]): string {
  const head = headers.map(h => `<th>${escapeHtml(h)}</th>`).join('')
  const body = rows.map(row => `<tr>${row.map(cell => `<td>${cellHtml(cell)}</td>`).join('')}</tr>\n`).join('')
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}</tbody>\n</table>\n`
}

/**
 * A folded part. `<details>` and `<summary>` make one HTML block, the blank lines let the content start
 * its own (a table, or a `<pre>` that only `</pre>` ends), and `</details>` is a block of its own again.
 */
export function folded(summary: string, content: string): string {
  return `<details>\n<summary>${summary}</summary>\n\n${content.replace(/^\n+/, '')}\n</details>\n`
}

export function slotText(slot: Slot | null): string {
  return slot ? `${slot.color} (port ${slot.port})` : 'none'
}

/** A release id (sha256 of a jar, or an image digest) as short as the summary shows it. */
export function shortRelease(release: string): string {
  return release.slice(0, 12)
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}
