/** Shared by the failure-matrix tests: a lab with a live app, load through nginx, and helpers to check it. */
import { startLoad, TEST_LOAD, type Sample } from '../../bench/load.mjs'
import { type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction, type ActionRun, type RunOptions } from '../../lab/run-action.mjs'

export interface FailureLab {
  lab: Lab
  jar(version: string): Promise<string>
  inputs(version: string, overrides?: Record<string, string>): Promise<Record<string, string>>
  /** Runs the action while steady load goes through nginx; returns the run and the failed requests. */
  underLoad(inputs: Record<string, string>, options?: RunOptions): Promise<{ run: ActionRun; failed: Sample[] }>
  servedVersion(): Promise<string>
  includeText(): Promise<string>
  /** The version the lab serves now; `recovers` moves it on. */
  live: string
  /** Asserts that the next deploy succeeds, with no failed request, and serves `version`. */
  recovers(version: string): Promise<void>
}

export function failureLab(lab: Lab, app: string): FailureLab {
  const jars = new Map<string, string>()
  const jar = async (version: string) => {
    if (!jars.has(version)) jars.set(version, await lab.sampleJar(version))
    return jars.get(version) as string
  }
  const f: FailureLab = {
    lab,
    jar,
    live: 'v0',
    recovers: async version => {
      const { run, failed } = await f.underLoad(await f.inputs(version))
      expect(errorOf(run)).toBe('')
      expect(failed).toEqual([])
      expect(await f.servedVersion()).toBe(version)
      f.live = version
    },
    inputs: async (version, overrides = {}) => ({
      ...labInputs(lab, app),
      jar: await jar(version),
      env: 'BOOT_DELAY_MS=300\nGRACEFUL=false',
      'health-timeout': '20s',
      'drain-timeout': '10s',
      'stop-timeout': '3s',
      ...overrides
    }),
    underLoad: async (inputs, options) => {
      const load = startLoad(lab.nginxUrl, TEST_LOAD)
      const run = await runAction(inputs, options)
      const samples = await load.stop()
      return { run, failed: samples.filter(sample => sample.status !== 200) }
    },
    servedVersion: async () => (await lab.httpGet(`${lab.nginxUrl}/version`)).body.trim(),
    includeText: async () => (await lab.sshExec(`cat ${lab.nginxInclude}`)).stdout
  }
  return f
}

/** The `::error::` line of a run, decoded, for assertions on what the user reads. */
export function errorOf(run: ActionRun): string {
  const line = run.stdout.split('\n').find(l => l.startsWith('::error::')) ?? ''
  return line.slice('::error::'.length).replace(/%0A/g, '\n').replace(/%25/g, '%')
}
