// ncc's ESM bundle keeps ssh2's CommonJS `__dirname` references but defines no such variable;
// ssh2 would throw a ReferenceError at load time. This module must be imported before anything
// that loads ssh2.
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const globals = globalThis as { __dirname?: string }
globals.__dirname ??= dirname(fileURLToPath(import.meta.url))
