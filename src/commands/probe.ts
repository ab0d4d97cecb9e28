/** One round trip that reads everything a deploy needs to know about the server (parsed by server/probe.ts). */
import { script, type RemoteCommand } from './script.js'
import { TCP_FILTER_SCRIPT } from './tcp.js'

/** The nginx side of the probe: which commands need sudo, and the configuration to read. */
export interface NginxProbeArgs {
  /** Whether the nginx commands run through sudo, for a root login and for any other (needsSudo decides). */
  sudoAsRoot: boolean
  sudoOtherwise: boolean
  /** The commands the deploy runs through sudo, each checked with `sudo -n -l`; `dump` also runs (nginx -T). */
  commands: { role: 'write' | 'check' | 'dump'; argv: string[] }[]
  /** The main configuration file when `dump` is not allowed or fails ('' : ask nginx -V, else /etc/nginx/nginx.conf). */
  configPath: string
  /** The nginx program to ask for its built-in configuration path. */
  nginxProgram: string
}

// Each command arrives as "role count words..."; eval is given references to positional parameters
// ("${3}"), never their values, so the words reach sudo exactly as given.
const PROBE = `include=$1 dir=$2 program=$3 sudo_root=$4 sudo_other=$5 conf=$6 nginx=$7; shift 7
uid=$(id -u)
echo "== uid"; echo "$uid"
echo "== user"; id -un
echo "== include-status"
if [ -r "$include" ]; then echo present; elif [ -e "$include" ]; then echo unreadable; else echo missing; fi
echo "== include-writable"
if [ -w "$include" ] || { [ ! -e "$include" ] && [ -w "$(dirname -- "$include")" ]; }; then echo yes; else echo no; fi
echo "== include"; cat -- "$include" 2>/dev/null; echo
echo "== record"; cat -- "$dir/state.json" 2>/dev/null
echo "== dir-path"; (cd -- "$dir" 2>/dev/null && pwd -P)
echo "== program"; command -v "$program" || true
if [ "$uid" = 0 ]; then sudo=$sudo_root; else sudo=$sudo_other; fi
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
echo "== sudo"
dump='not run'
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  role=$1 n=$2; shift 2
  words='' k=1
  while [ "$k" -le "$n" ]; do words="$words \\"\\\${$k}\\""; k=$((k + 1)); done
  status=ok
  if [ "$sudo" = 1 ]; then
    said=$(eval "sudo -n -l $words" 2>&1) || status=refused
    printf '%s\\t%s\\t%s\\n' "$status" "$(command -v "$1")" "$(printf '%s\\n' "$said" | head -n 1)"
  fi
  if [ "$role" = dump ] && [ "$status" = ok ]; then
    [ "$sudo" = 1 ] && words="sudo -n $words"
    if config=$(eval "$words" 2>&1); then dump=ok; else dump="failed: $(printf '%s\\n' "$config" | head -n 2 | tr '\\n' ' ')"; fi
  fi
  shift "$n"
done
shift
echo "== nginx-config-status"; echo "$dump"
echo "== nginx-config"
if [ "$dump" = ok ]; then printf '%s\\n' "$config"
else
  [ -n "$conf" ] || conf=$("$nginx" -V 2>&1 | sed -n 's/.*--conf-path=\\([^ ]*\\).*/\\1/p')
  conf=\${conf:-/etc/nginx/nginx.conf}
  if [ -f "$conf" ] && [ -r "$conf" ]; then printf '# configuration file %s:\\n' "$conf"; cat -- "$conf"; echo
  else printf '# bluegreen-unreadable: %s\\n' "$conf"; fi
fi
echo "== tcp"; ${TCP_FILTER_SCRIPT}`

/** `ports`: the slot ports, whose listening and established sockets (only) come back. */
export function probeServer(include: string, remoteDir: string, program: string, ports: number[], nginx: NginxProbeArgs): RemoteCommand {
  const flag = (on: boolean) => (on ? '1' : '0')
  const commands = nginx.commands.flatMap(({ role, argv }) => [role, String(argv.length), ...argv])
  const args = [include, remoteDir, program, flag(nginx.sudoAsRoot), flag(nginx.sudoOtherwise), nginx.configPath, nginx.nginxProgram]
  return {
    label: 'read server state',
    argv: script(PROBE, [...args, ...commands, '--', ...ports.map(String)]),
    timeoutMs: 30_000
  }
}
