// Runs once before all jest workers so they do not race on apt-get or javac.
import { ensureProvisioned } from './lab.mjs'
import { compileSampleApp } from './sample-app.mjs'

/** Provisions the lab machine (only when something is missing) and precompiles the sample app. */
export default async function globalSetup() {
  try {
    await ensureProvisioned({ images: true, debian: true, fleet: true })
    await compileSampleApp()
  } catch (err) {
    // A non-root developer can still run the unit tests; e2e tests then fail in startLab().
    if (process.getuid?.() === 0) throw err
    console.warn(`lab setup skipped: ${/** @type {Error} */ (err).message}`)
  }
}
