export interface FleetLabOptions {
  /** Prefix of the lab dir `<repo>/.lab/<name>-<random>`; default 'fleet'. */
  name?: string
  /** How many app hosts (1 to 100); default 3. */
  appHosts?: number
}

export interface FleetExecResult {
  code: number
  stdout: string
  stderr: string
}

/** One host: its own network and mount namespace, eth0 on the lab's bridge, its own sshd on port 22. */
export interface FleetHost {
  /** `nginx`, `app1`, `app2`, ... */
  name: string
  /** In the lab's /24 of 198.18.0.0/15: the nginx host is .10, app N is .(10 + N). */
  address: string
  sshPort: 22
  /** 'SHA256:...' of the host's ed25519 host key, as `ssh-keygen -lf` prints it. */
  hostFingerprint: string
  /** `<address> ssh-ed25519 AAAA...`: the host's line in the lab's knownHosts. */
  knownHosts: string
  /** The process holding the host's namespaces (`unshare --net --mount ... cat`). */
  pid: number
  /** `net:[<inode>]`, as /proc/<pid>/ns/net reads for every process in the host. */
  netns: string
  /** sshd's log (on the machine, outside the host). */
  sshdLog: string
  /** `sh -c command` as root inside the host's network and mount namespaces; never rejects on a non-zero exit. */
  exec(command: string): Promise<FleetExecResult>
}

/**
 * Several hosts made of Linux namespaces on a bridge (see lab/fleet-lab.mjs). The deploy user logs in by key on
 * every host; its home, /run, /tmp, /etc/ssh and /etc/sudoers.d are each host's own. The nginx host has the
 * Debian layout (default site on :80, the app's block on `443 ssl` as serverName proxying to `http://fleet`) and
 * the README's sudoers rule for `include`; app hosts have no sudo, and their logins get SERVER_ADDRESS=0.0.0.0
 * (via pam_env) so the sample app answers nginx on the host's address.
 */
export interface FleetLab {
  dir: string
  labId: string
  /** The lab's `198.x.y.0/24`; two labs never share one. */
  subnet: string
  /** `bgfl<labId>`: the bridge in the root namespace; host N's veth is `bgfl<labId>h<N>` (0 is nginx). */
  bridge: string
  /** `<subnet>.1`: the root namespace's address on the bridge, from which tests reach every host. */
  rootAddress: string
  /** `bgfleet`: key login only, no sudo but the nginx host's rule. */
  username: string
  /** OpenSSH-format ed25519 private key without passphrase (in every host's ~/.ssh/authorized_keys). */
  privateKey: string
  privateKeyPath: string
  /** known_hosts text: every host's ed25519 key by address, one line each (nginx first). */
  knownHosts: string
  /** A file holding knownHosts. */
  knownHostsPath: string
  nginx: FleetHost
  apps: FleetHost[]
  /** `/etc/nginx/conf.d/fleet-upstream.conf` on the nginx host: at start `upstream fleet {\n    server <app>:8080;\n...}\n`. */
  include: string
  /** `fleet`: the upstream the app's server block proxies to. */
  upstream: string
  ports: [8080, 8081]
  /** `/home/bgfleet/apps` on every host: an empty directory the user owns. */
  remoteRoot: string
  /** `/usr/sbin/nginx -t` */
  nginxTestCommand: string
  /** `/usr/sbin/nginx -s reload` */
  nginxReloadCommand: string
  /** `https://<nginx address>` (self-signed certificate for serverName). */
  nginxUrl: string
  /** `app.fleet.test` */
  serverName: string
  /** nginx's error log (on the machine, outside the host). */
  nginxErrorLog: string
  /** Builds `<dir>/jars/sample-app-<version>.jar` (on the machine; copy it to hosts with scp). */
  sampleJar(version: string): Promise<string>
  /** Ends every process in every host, the namespaces, veths and bridge, and removes the lab dir. Idempotent. */
  stop(): Promise<void>
}

export function startFleetLab(options?: FleetLabOptions): Promise<FleetLab>
