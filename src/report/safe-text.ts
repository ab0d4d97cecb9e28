/**
 * Text that came from the server (health bodies, app logs, command output, errors quoting them) on its
 * way to the runner's log, annotations and the PR comment. The runner treats a log line that starts
 * with `::` (after whitespace) as a workflow command, and `##[name]` anywhere in a line as a legacy one;
 * no printed line may do either. Everything this action prints goes through here.
 */
import * as core from '@actions/core'

// The runner compares with .NET's culture-aware StartsWith/IndexOf, which skip these characters, so
// `:\u200b:` can still read as `::` there.
const IGNORABLE = '\\p{Cc}\\p{Cf}\\p{Default_Ignorable_Code_Point}'
const COMMAND_START = new RegExp(`^([\\s${IGNORABLE}]*)(:[${IGNORABLE}]*:)`, 'u')
const LEGACY_COMMAND = new RegExp(`#[${IGNORABLE}]*#[${IGNORABLE}]*\\[`, 'gu')
const LINE_BREAK = /\r\n|\r|\n/

/** One line made inert: a leading `::` gets a backslash before it, and `##[` becomes `#\#[`. */
function safeLine(line: string): string {
  return line.replace(LEGACY_COMMAND, '#\\#[').replace(COMMAND_START, '$1\\$2')
}

/** Makes every line of `text` print as plain text on the runner; line breaks are kept as `\n`. */
export function safeText(text: string): string {
  return text.split(LINE_BREAK).map(safeLine).join('\n')
}

/** For a value that must stay on one line (an output, a table cell): line breaks become spaces. */
export function oneLine(text: string): string {
  return safeLine(text.split(LINE_BREAK).join(' '))
}

/**
 * Markdown for untrusted text in a GitHub comment: one code span on one line, where no link, image,
 * HTML, @mention or issue reference is rendered. (In a table, pipes still need escaping.)
 */
export function markdownCode(text: string): string {
  const flat = text.split(LINE_BREAK).join(' ')
  if (!flat.trim()) return ''
  const longestTicks = Math.max(0, ...(flat.match(/`+/g) ?? []).map(run => run.length))
  const fence = '`'.repeat(longestTicks + 1)
  const padded = /^[` ]|[` ]$/.test(flat) ? ` ${flat} ` : flat
  return `${fence}${padded}${fence}`
}

/** The action's log: every line made inert. */
export function logInfo(text: string): void {
  core.info(safeText(text))
}

export function logWarning(text: string): void {
  core.warning(safeText(text))
}

/** Fails the step. @actions/core already escapes line breaks into one `::error::` line; this keeps the annotation inert too. */
export function logFailure(text: string): void {
  core.setFailed(safeText(text))
}
