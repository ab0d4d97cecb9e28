import { planSlots } from '../../../src/strategy/slot-plan.js'
import type { ServerProbe } from '../../../src/server/probe.js'

const slots = { blue: 8080, green: 8081 }

function state(overrides: Partial<ServerProbe>): ServerProbe {
  return {
    isRoot: false,
    includeText: null,
    routed: null,
    listening: { blue: false, green: false },
    managementListening: { blue: false, green: false },
    record: null,
    programFound: true,
    dirPath: '',
    nginx: { user: 'deploy', includeWritable: false, sudo: [], dumpStatus: 'ok', config: '' },
    ...overrides
  }
}

describe('planSlots', () => {
  it('deploys into the slot nginx does not route to', () => {
    const plan = planSlots(
      state({ routed: { color: 'blue', port: 8080, listening: true }, listening: { blue: true, green: false } }),
      { blue: true, green: false },
      slots
    )
    expect(plan).toEqual({
      live: { color: 'blue', port: 8080 },
      target: { color: 'green', port: 8081 },
      staleInTarget: false,
      warnings: []
    })
  })

  it('deploys into the routed slot when nothing answers there, and says so', () => {
    const plan = planSlots(state({ routed: { color: 'green', port: 8081, listening: false } }), { blue: false, green: false }, slots)
    expect(plan.live).toBeNull()
    expect(plan.target).toEqual({ color: 'green', port: 8081 })
    expect(plan.warnings).toEqual(['nginx routes to the green slot (port 8081) but nothing answers there; deploying into it.'])
  })

  it('takes blue on an empty server', () => {
    expect(planSlots(state({}), { blue: false, green: false }, slots)).toMatchObject({ live: null, target: { color: 'blue', port: 8080 } })
  })

  it('without an include, treats a single running app of ours as live', () => {
    const plan = planSlots(state({ listening: { blue: false, green: true } }), { blue: false, green: true }, slots)
    expect(plan).toMatchObject({ live: { color: 'green', port: 8081 }, target: { color: 'blue', port: 8080 } })
  })

  it('replaces a leftover of ours in the idle slot', () => {
    const plan = planSlots(
      state({ routed: { color: 'blue', port: 8080, listening: true }, listening: { blue: true, green: true } }),
      { blue: true, green: true },
      slots
    )
    expect(plan.staleInTarget).toBe(true)
  })

  it('refuses a stranger on the idle port', () => {
    const server = state({ routed: { color: 'blue', port: 8080, listening: true }, listening: { blue: true, green: true } })
    expect(() => planSlots(server, { blue: true, green: false }, slots)).toThrow(
      /Port 8081 \(the idle green slot\) is held by a process that this action did not start/
    )
  })

  it('trusts nginx over a state file that disagrees, with a warning', () => {
    const server = state({
      routed: { color: 'blue', port: 8080, listening: true },
      listening: { blue: true, green: false },
      record: {
        app: 'api',
        mode: 'jar',
        live: { color: 'green', port: 8081, release: 'r' },
        previous: null,
        deployedBy: { actor: '', runUrl: '', commit: '' }
      }
    })
    expect(planSlots(server, { blue: true, green: false }, slots).warnings).toEqual([
      'The state file says green is live, but nginx routes to blue; trusting nginx.'
    ])
  })

  describe('with management ports', () => {
    const withManagement = { ...slots, management: { blue: 18081, green: 18082 } }

    it('gives both slots their management port', () => {
      const plan = planSlots(
        state({ routed: { color: 'blue', port: 8080, managementPort: 18081, listening: true }, listening: { blue: true, green: false } }),
        { blue: true, green: false },
        withManagement
      )
      expect(plan).toEqual({
        live: { color: 'blue', port: 8080, managementPort: 18081 },
        target: { color: 'green', port: 8081, managementPort: 18082 },
        staleInTarget: false,
        warnings: []
      })
    })

    it('refuses a stranger on the idle management port, like one on the app port', () => {
      const server = state({
        routed: { color: 'blue', port: 8080, listening: true },
        listening: { blue: true, green: false },
        managementListening: { blue: true, green: true }
      })
      expect(() => planSlots(server, { blue: true, green: false }, withManagement)).toThrow(
        /Port 18082 \(the management port of the idle green slot\) is held by a process that this action did not start/
      )
      expect(() => planSlots(server, { blue: true, green: false }, withManagement)).toThrow(
        expect.objectContaining({ hint: expect.stringContaining("choose other 'management-ports'") })
      )
      // A leftover of ours holding it is stopped before the start instead.
      expect(planSlots(server, { blue: true, green: true }, withManagement).staleInTarget).toBe(true)
    })

    it('warns when the include names another management port than management-ports gives', () => {
      const server = state({
        routed: { color: 'blue', port: 8080, managementPort: 19000, listening: true },
        listening: { blue: true, green: false }
      })
      expect(planSlots(server, { blue: true, green: false }, withManagement).warnings).toEqual([
        `The nginx include names management port 19000, but 'management-ports' gives the blue slot 18081; ` +
          'the switch writes the configured one.'
      ])
    })
  })
})
