/** Decides which slot is live and which one the new version goes to. Pure. */
import { DeployError } from '../errors.js'
import type { ServerProbe } from '../server/probe.js'
import { COLORS, otherColor, slotOf, type Color, type Slot, type SlotPlan, type Slots } from '../server/slots.js'

/** `ours`: which slots hold a process or container this action started (from the runtime). */
export function planSlots(probe: ServerProbe, ours: Record<Color, boolean>, slots: Slots): SlotPlan {
  const slot = (color: Color): Slot => slotOf(slots, color)
  const warnings: string[] = []
  let live: Slot | null = null
  let targetColor: Color
  if (probe.routed?.listening) {
    live = slot(probe.routed.color)
    targetColor = otherColor(probe.routed.color)
  } else if (probe.routed) {
    warnings.push(
      `nginx routes to the ${probe.routed.color} slot (port ${probe.routed.port}) but nothing answers there; deploying into it.`
    )
    targetColor = probe.routed.color
  } else {
    // No include: a single running app of ours is what nginx served before the include went missing.
    const running = COLORS.filter(color => probe.listening[color] && ours[color])
    if (running.length === 1) live = slot(running[0])
    targetColor = live ? otherColor(live.color) : (COLORS.find(color => !probe.listening[color]) ?? 'blue')
  }
  const recorded = probe.record?.live.color
  if (live && recorded && recorded !== live.color) {
    warnings.push(`The state file says ${recorded} is live, but nginx routes to ${live.color}; trusting nginx.`)
  }
  const named = probe.routed?.managementPort
  const configured = probe.routed ? slot(probe.routed.color).managementPort : undefined
  if (named !== undefined && configured !== undefined && named !== configured) {
    warnings.push(
      `The nginx include names management port ${named}, but 'management-ports' gives the ${probe.routed?.color} slot ` +
        `${configured}; the switch writes the configured one.`
    )
  }
  const target = slot(targetColor)
  const staleInTarget = ours[targetColor]
  if (!staleInTarget) refuseForeign(probe, target)
  return { live, target, staleInTarget, warnings }
}

/** Something this action did not start holds a port of the idle slot: starting there would fail or meet a stranger. */
function refuseForeign(probe: ServerProbe, target: Slot): void {
  if (probe.listening[target.color]) throw foreignProcess(target.port, `the idle ${target.color} slot`, 'ports')
  if (target.managementPort !== undefined && probe.managementListening[target.color])
    throw foreignProcess(target.managementPort, `the management port of the idle ${target.color} slot`, 'management-ports')
}

function foreignProcess(port: number, what: string, input: string): DeployError {
  return new DeployError(`Port ${port} (${what}) is held by a process that this action did not start.`, {
    serverState: 'Nothing was changed on the server; the live version keeps serving.',
    hint: `Find it with 'sudo ss -ltnp sport = :${port}' on the server and stop it, or choose other '${input}'.`
  })
}
