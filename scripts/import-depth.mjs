// Fails when an import chain in src/ is longer than MAX_CHAIN modules: deep chains hide the architecture.
import madge from 'madge'

const MAX_CHAIN = 9

// Type-only imports count too: a type in the wrong file couples modules as much as a value does.
const graph = (await madge('src/', { fileExtensions: ['ts'], tsConfig: 'tsconfig.json' })).obj()
const longest = new Map()

/** The longest chain of modules that starts at `file` (the graph has no cycles: madge --circular ran first). */
function chainFrom(file) {
  if (!longest.has(file)) {
    const below = (graph[file] ?? []).map(chainFrom).sort((a, b) => b.length - a.length)[0] ?? []
    longest.set(file, [file, ...below])
  }
  return longest.get(file)
}

const deepest =
  Object.keys(graph)
    .map(chainFrom)
    .sort((a, b) => b.length - a.length)[0] ?? []
console.log(`Longest import chain: ${deepest.length} modules (limit ${MAX_CHAIN})`)
if (deepest.length > MAX_CHAIN) {
  console.error(deepest.join('\n  → '))
  process.exit(1)
}
