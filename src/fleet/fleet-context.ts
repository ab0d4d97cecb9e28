/**
 * What the strategies across hosts are given: every app host with its own connection and runtime, and nginx on
 * its own host (or on the first app host). Types only, so that the strategies stay low in the import graph.
 */
import type { Outcome } from '../outcome.js'
import type { Progress } from '../progress.js'
import type { Report } from '../report/report.js'
import type { RunInfo } from '../run-identity.js'
import type { Proxy } from '../proxy/proxy.js'
import type { AppHost } from '../runtimes/runtime.js'
import type { ServerProbe } from '../server/probe.js'
import type { ServerRecords } from '../server/records.js'
import type { SlotPlan } from '../server/slots.js'
import type { AppHostTarget, Settings } from '../settings/types.js'
import type { Remote } from '../ssh/remote.js'

/** One app host: where it is, its runtime, and its own state.json and history. */
export interface Member {
  target: AppHostTarget
  app: AppHost
  records: ServerRecords
}

/** The connections: the nginx host's, and one per app host in the order of 'host'. */
export interface FleetRemotes {
  nginx: Remote
  apps: Remote[]
}

/** What every sequence is given (context.ts RunContext), restated here so that the fleet modules stay shallow. */
export interface FleetRunContext {
  settings: Settings
  report: Report
  outcome: Outcome
  run: RunInfo
  progress: (progress: Progress) => void
}

export interface FleetContext extends FleetRunContext {
  /** The nginx host's connection (the lock is held there). */
  nginxRemote: Remote
  members: Member[]
  /** The proxy, once the nginx host's probe has said what it allows. */
  proxy: (nginxProbe: ServerProbe) => Proxy
}

/** One app host as the probe found it, with its slot plan. */
export interface HostPlan {
  member: Member
  probe: ServerProbe
  plan: SlotPlan
  /** The release its state.json names as live, '' for none. */
  before: string
}

/** What a strategy across hosts moves traffic with. */
export interface FleetRun extends FleetContext {
  proxyRole: Proxy
  hosts: HostPlan[]
  /** The include as nginx had it before this run. */
  includeBefore: string | null
}
