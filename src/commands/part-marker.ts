/** The line a sequence (sequence.ts) prints before each of its parts, and how to read them back. */
export const PART_MARKER = 'bluegreen-part: '

/** The labels of the parts that began, in order, read from the markers in a sequence's stdout. */
export function partsStarted(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter(line => line.startsWith(PART_MARKER))
    .map(line => line.slice(PART_MARKER.length))
}

/** What the last part that began printed: the lines after its marker. */
export function lastPartOutput(stdout: string): string {
  const at = stdout.lastIndexOf(PART_MARKER)
  if (at < 0) return stdout
  const lineEnd = stdout.indexOf('\n', at)
  return lineEnd < 0 ? '' : stdout.slice(lineEnd + 1)
}
