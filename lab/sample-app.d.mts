export const repoRoot: string
export const sampleSource: string
export const classesCacheDir: string
/** Compiles SampleApp.java (cached per source hash); returns the classes dir. */
export function compileSampleApp(): Promise<string>
/** Builds `<outDir>/sample-app-<version>.jar` and returns its absolute path. */
export function buildSampleJar(version: string, outDir: string): Promise<string>
