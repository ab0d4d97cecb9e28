import { LOCK_BUSY_EXIT, LOCK_HEARTBEAT_MS, LOCK_IDLE_SECONDS, holdLock } from '../../../src/commands/lock.js'

const HOLD_LOCK = `dir=$1 seconds=$2 owner=$3 idle=$4
mkdir -p -- "$dir" || exit 1
exec 9>>"$dir/.deploy.lock"
if ! flock -w "$seconds" 9; then echo busy; cat -- "$dir/.deploy.lock.owner" 2>/dev/null; exit 75; fi
printf '%s\\n' "$owner" > "$dir/.deploy.lock.owner"
echo locked
while [ "$(timeout "$idle" head -c 1 | wc -c)" -eq 1 ]; do :; done
: > "$dir/.deploy.lock.owner"`

describe('lock constants', () => {
  it('exit 75 when busy; a heartbeat every 5 s, freed after 25 s without one', () => {
    expect([LOCK_BUSY_EXIT, LOCK_HEARTBEAT_MS, LOCK_IDLE_SECONDS]).toStrictEqual([75, 5_000, 25])
  })
})

describe('holdLock', () => {
  it('waits for the lock in seconds, records the owner and holds it while heartbeats arrive', () => {
    expect(holdLock('bluegreen/shop', 600_000, 'https://github.com/acme/shop/actions/runs/1 by octocat')).toStrictEqual({
      label: 'deploy lock',
      argv: ['sh', '-c', HOLD_LOCK, 'sh', 'bluegreen/shop', '600', 'https://github.com/acme/shop/actions/runs/1 by octocat', '25'],
      timeoutMs: 630_000
    })
  })

  it('passes fractions of a second as they are (flock -w takes them)', () => {
    expect(holdLock('d', 1_500, 'o').argv.slice(4)).toStrictEqual(['d', '1.5', 'o', '25'])
  })
})
