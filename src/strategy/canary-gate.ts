/** The canary gate: after each traffic step, whether the canary servers did well enough, next to the stable ones. */
import type { TrafficStats } from '../outcome.js'

export interface GateLimits {
  /** 0..1: the canary's error rate may not be above it. */
  maxErrorRate: number
  /** The canary's p95 may not be above this many times the stable servers' p95... */
  maxLatencyRatio: number
  /** ...unless it is at most this many ms above it: a few ms on an idle, fast app are noise, not a regression. */
  latencyAllowanceMs: number
}

export interface GateVerdict {
  passed: boolean
  /** Why it failed, with the numbers; empty when it passed. */
  reasons: string[]
  /** What the gate could not judge, and why. */
  notes: string[]
}

/** The inputs the reasons name, so that a reader knows what to change. */
export const GATE_INPUTS = {
  maxErrorRate: 'canary-max-error-rate',
  maxLatencyRatio: 'canary-max-latency-ratio',
  latencyAllowanceMs: 'canary-latency-allowance'
} as const

export function judgeStep(canary: TrafficStats, stable: TrafficStats, healthy: boolean, limits: GateLimits): GateVerdict {
  const reasons: string[] = []
  const notes: string[] = []
  if (!healthy) reasons.push("the canary's health check did not answer healthy at the end of the step")
  if (canary.requests === 0) {
    notes.push('nginx sent no requests to the canary during the step: its error rate and latency were not judged')
  } else {
    const errors = errorReason(canary, stable, limits.maxErrorRate)
    if (errors) reasons.push(errors)
    const latency = latencyVerdict(canary, stable, limits)
    if (latency.reason) reasons.push(latency.reason)
    if (latency.note) notes.push(latency.note)
  }
  return { passed: reasons.length === 0, reasons, notes }
}

function errorReason(canary: TrafficStats, stable: TrafficStats, maxErrorRate: number): string | null {
  if (canary.errorRate <= maxErrorRate) return null
  const stableText = stable.requests === 0 ? 'the stable servers had no requests' : `the stable servers had ${rateText(stable)}`
  return `canary error rate ${rateText(canary)} is above ${GATE_INPUTS.maxErrorRate} ${percent(maxErrorRate)}, while ${stableText}`
}

function latencyVerdict(canary: TrafficStats, stable: TrafficStats, limits: GateLimits): { reason?: string; note?: string } {
  if (canary.p95Ms === null) return { note: 'no response times were logged for the canary: its latency was not judged' }
  if (stable.p95Ms === null) return { note: 'the stable servers had no response times to compare with: latency was not judged' }
  const slower = canary.p95Ms - stable.p95Ms
  if (canary.p95Ms <= limits.maxLatencyRatio * stable.p95Ms || slower <= limits.latencyAllowanceMs) return {}
  const ratio = `${GATE_INPUTS.maxLatencyRatio} ${limits.maxLatencyRatio} × the stable servers' p95 ${ms(stable.p95Ms)}`
  const allowance = `${GATE_INPUTS.latencyAllowanceMs} ${ms(limits.latencyAllowanceMs)}`
  return { reason: `canary p95 latency ${ms(canary.p95Ms)} is above ${ratio}, and ${ms(slower)} slower, above ${allowance}` }
}

function rateText(stats: TrafficStats): string {
  return `${(stats.errorRate * 100).toFixed(1)}% (${stats.errors} of ${stats.requests})`
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`
}

function ms(value: number): string {
  return `${Number(value.toFixed(1))} ms`
}
