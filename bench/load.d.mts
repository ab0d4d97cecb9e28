export interface Sample {
  kind: 'fast' | 'slow'
  start: number
  end: number
  status: number
  version: string
  error: string
}

export interface LoadOptions {
  fastClients: number
  fastPath: string
  slowClients: number
  slowMs: number
  fastTimeoutMs: number
  slowTimeoutMs: number
  pauseAfterFailureMs: number
  pauseBetweenMs: number
}

export const LOAD_DEFAULTS: LoadOptions
export const TEST_LOAD: Partial<LoadOptions>
export function startLoad(baseUrl: string, options?: Partial<LoadOptions>): { samples: Sample[]; stop(): Promise<Sample[]> }
