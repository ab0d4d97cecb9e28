/** Builds `outDir/fat-<version>.jar` (about sizeMb MB, default 60) shaped like a Spring Boot fat jar; `change` names the one class that differs between builds. */
export function buildFatJar(version: string, outDir: string, options?: { sizeMb?: number; change?: string }): Promise<string>
/** Deterministic incompressible bytes for `seed`: the same seed and size always give the same bytes. */
export function bytesFor(seed: string, size: number): Buffer
