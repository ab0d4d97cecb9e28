/** Decides which slot is live and which one the new version goes to. Pure. */
import { DeployError } from '../errors.js'
import type { ServerProbe } from '../server/probe.js'
import { COLORS, otherColor, type Color, type Slot, type SlotPlan, type Slots } from '../server/slots.js'

/** `ours`: which slots hold a process or container this action started (from the runtime). */
export function planSlots(probe: ServerProbe, ours: Record<Color, boolean>, slots: Slots): SlotPlan {
  const slot = (color: Color): Slot => ({ color, port: slots[color] })
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
  const target = slot(targetColor)
  const staleInTarget = ours[targetColor]
  if (probe.listening[targetColor] && !staleInTarget) {
    throw new DeployError(`Port ${target.port} (the idle ${targetColor} slot) is held by a process that this action did not start.`, {
      serverState: 'Nothing was changed on the server; the live version keeps serving.',
      hint: `Find it with 'sudo ss -ltnp sport = :${target.port}' on the server and stop it, or choose other 'ports'.`
    })
  }
  return { live, target, staleInTarget, warnings }
}
