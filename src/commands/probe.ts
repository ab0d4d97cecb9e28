/** One round trip that reads everything a deploy needs to know about the server (parsed by server/probe.ts). */
import { script, type RemoteCommand } from './script.js'
import { TCP_FILTER_SCRIPT, hexPort } from './tcp.js'

const PROBE = `include=$1 dir=$2 program=$3; shift 3
echo "== uid"; id -u
echo "== include-status"
if [ -r "$include" ]; then echo present; elif [ -e "$include" ]; then echo unreadable; else echo missing; fi
echo "== include"; cat -- "$include" 2>/dev/null; echo
echo "== record"; cat -- "$dir/state.json" 2>/dev/null
echo "== tcp"; ${TCP_FILTER_SCRIPT}
echo "== program"; command -v "$program" || true
echo "== sudo"; { sudo -n true 2>&1 && echo ok; } || true`

/** `ports`: the slot ports, whose TCP table lines (only) come back. */
export function probeServer(include: string, remoteDir: string, program: string, ports: number[]): RemoteCommand {
  return { label: 'read server state', argv: script(PROBE, [include, remoteDir, program, ...ports.map(hexPort)]), timeoutMs: 30_000 }
}
