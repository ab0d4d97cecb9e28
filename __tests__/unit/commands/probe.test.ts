import { probeServer } from '../../../src/commands/probe.js'

const PROBE = `include=$1 dir=$2 program=$3; shift 3
echo "== uid"; id -u
echo "== include-status"
if [ -r "$include" ]; then echo present; elif [ -e "$include" ]; then echo unreadable; else echo missing; fi
echo "== include"; cat -- "$include" 2>/dev/null; echo
echo "== record"; cat -- "$dir/state.json" 2>/dev/null
echo "== tcp"; awk -v ports=" $* " '{ n = split($2, l, ":"); m = split($3, r, ":");
  if (index(ports, " " l[n] " ") || index(ports, " " r[m] " ")) print }' /proc/net/tcp /proc/net/tcp6 2>/dev/null || true
echo "== program"; command -v "$program" || true
echo "== sudo"; { sudo -n true 2>&1 && echo ok; } || true`

describe('probeServer', () => {
  it('reads everything in one round trip, the slot ports in kernel hex after the three named values', () => {
    expect(probeServer('/etc/nginx/conf.d/shop.inc', 'bluegreen/shop', 'java', [8080, 8081])).toStrictEqual({
      label: 'read server state',
      argv: ['sh', '-c', PROBE, 'sh', '/etc/nginx/conf.d/shop.inc', 'bluegreen/shop', 'java', '1F90', '1F91'],
      timeoutMs: 30_000
    })
  })

  it('works with no ports', () => {
    expect(probeServer('i', 'd', 'docker', [])).toStrictEqual({
      label: 'read server state',
      argv: ['sh', '-c', PROBE, 'sh', 'i', 'd', 'docker'],
      timeoutMs: 30_000
    })
  })
})
