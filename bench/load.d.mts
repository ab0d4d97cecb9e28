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
  /** With an `https://` base URL: the TLS SNI name (and, for http or https, the Host header). Self-signed certificates are accepted. */
  serverName?: string
}

export const LOAD_DEFAULTS: LoadOptions
export const TEST_LOAD: Partial<LoadOptions>
export function startLoad(baseUrl: string, options?: Partial<LoadOptions>): { samples: Sample[]; stop(): Promise<Sample[]> }
