import type { IncomingHttpHeaders } from 'node:http'

export { startFleetLab, type FleetHost, type FleetLab, type FleetLabOptions } from './fleet-lab.mjs'

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

export interface HttpResult {
  status: number
  body: string
  headers: IncomingHttpHeaders
}

export interface HttpGetOptions {
  /** Default 10 s. */
  timeoutMs?: number
  /** TLS SNI for `https://` URLs (whose self-signed certificates are accepted). */
  servername?: string
  /** e.g. `{ Host: 'app.example.test' }` */
  headers?: Record<string, string>
}

export interface LabOptions {
  /** Prefix of the lab dir `<repo>/.lab/<name>-<random>`; default 'lab'. */
  name?: string
  /** Also start a per-lab podman engine and a loopback registry (`lab.docker`); default false. */
  images?: boolean
  /** Log in as this lab user instead of bgdeploy (e.g. one of LOGIN_SHELL_USERS); remoteRoot is in its home. */
  user?: string
  /** A WAN link between the action and sshd (lab/wan-proxy.mjs): 90 ms RTT and 100 Mbit/s unless given. */
  wan?: { rttMs?: number; mbit?: number }
  /** Commands the login user's PATH lacks (e.g. `['ss']`): sshd sets PATH to links to all other standard commands. */
  withoutCommands?: string[]
}

export interface WanLink {
  /** The proxy's loopback port: the action connects here (labInputs does), direct lab ssh does not. */
  port: number
  rttMs: number
  mbit: number
  pid: number
  stats(): Promise<{ connections: number; bytesUp: number; bytesDown: number }>
  stop(): Promise<void>
}

export interface BuiltImage {
  /** `localhost:<registryPort>/shop:<version>` */
  ref: string
  /** `sha256:...` manifest digest as the registry reports it (what `docker pull` prints). */
  digest: string
}

export interface LabDocker {
  /** `docker -H unix://<dir>/podman.sock`: the action's `docker-command`, split on spaces. */
  command: string
  /** Docker API socket of the lab's podman engine; root:bgdeploy 0660. */
  socket: string
  /** `localhost:<port>` (listening on 127.0.0.1 only): plain-HTTP registry with basic auth, listed as insecure in the engine. */
  registry: string
  registryUser: 'labuser'
  registryPassword: 'labpass'
  /** Name of the engine's default bridge network (also the host interface name). */
  network: string
  /**
   * Builds `<registry>/shop:<version>` from files (static busybox; serves the sample app's
   * endpoints on container port 8080), pushes it and removes it from the engine, so the next
   * pull is a real one. `healthy: false` bakes `HEALTHY=false` into the image.
   */
  buildImage(version: string, opts?: { healthy?: boolean }): Promise<BuiltImage>
}

export type HostKeyKind = 'ed25519' | 'ecdsa' | 'rsa'

export interface LabHostKey {
  /** Key type as in known_hosts: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  type: string
  /** Private key file (root-owned, in the lab dir); `<path>.pub` is its public half. */
  path: string
  /** 'SHA256:...' as `ssh-keygen -lf` prints it. */
  fingerprint: string
  /** `[127.0.0.1]:PORT <type> AAAA...` */
  knownHosts: string
}

export interface LabLeastPrivilege {
  username: 'bgleast'
  uid: number
  /** `/home/bgleast/lab-<labId>`, owned by bgleast; its apps are killed by stop(). */
  remoteRoot: string
  /** The sudoers line installed for it: tee of nginxInclude, and nginx -c <conf> -t, -T and -s reload. */
  sudoersLine: string
}

export interface Lab {
  dir: string
  labId: string
  host: '127.0.0.1'
  sshPort: number
  /** bgdeploy, or the `user` option. */
  username: string
  password: 'bgdeploy-lab'
  /** OpenSSH-format ed25519 private key without passphrase. */
  privateKey: string
  privateKeyPath: string
  /** OpenSSH-format ed25519 private key encrypted with `passphrase`. */
  passphraseKey: string
  passphraseKeyPath: string
  passphrase: 'lab-passphrase'
  /** 'SHA256:...' as `ssh-keygen -lf` prints it for the ed25519 host key (= hostKeys.ed25519.fingerprint). */
  hostFingerprint: string
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA...`: the ed25519 host key's line (= hostKeys.ed25519.knownHosts). */
  knownHosts: string
  /** The sshd's three host keys, as a stock OpenSSH server has them; it can present any of them. */
  hostKeys: Record<HostKeyKind, LabHostKey>
  /** known_hosts file with all three host keys' lines (what the lab's ssh CLI checks against). */
  knownHostsPath: string
  nginxPort: number
  nginxUrl: string
  /** nginx's TLS port (self-signed certificate): a default server answering 404, and the app's block as `tlsServerName`. */
  tlsPort: number
  tlsServerName: 'shop.lab.test'
  /** A login user whose only sudo rule is the README's, for this lab's include and nginx (see lab/privilege.mjs). */
  leastPrivilege: LabLeastPrivilege
  /** Root-owned file holding `set $service_url http://127.0.0.1:<port>;`. */
  nginxInclude: string
  nginxConf: string
  /** Root-owned dir whose *.conf nginx includes at http level (preview server blocks go here). */
  nginxSitesDir: string
  nginxTestCommand: string
  nginxReloadCommand: string
  /** [bluePort, greenPort]: free ports nothing listens on when the lab starts. */
  ports: [number, number]
  /** `/home/<username>/lab-<labId>`, owned by the login user; `*.pid` files under it are killed by stop(). */
  remoteRoot: string
  /** uid of the login user. */
  uid: number
  /** podman: the `tini -s` wrapping `podman system service` (conmon and containers are its descendants). */
  pids: { sshd: number; nginx: number; podman?: number; registry?: number }
  /** Present only with `startLab({ wan })`. */
  wan?: WanLink
  /** Present only with `startLab({ images: true })`. */
  docker?: LabDocker
  sshdLog: string
  nginxErrorLog: string
  /** ssh CLI arguments (up to and including `<username>@127.0.0.1`) that log in with the lab key. */
  sshArgs: string[]
  freePort(): Promise<number>
  /** Builds `<dir>/jars/sample-app-<version>.jar`. */
  sampleJar(version: string): Promise<string>
  /**
   * Runs a command as the login user through the ssh CLI; never rejects on a non-zero exit.
   * `input` is written to the command's stdin (e.g. for `docker login --password-stdin`).
   * With images, the session has DOCKER_CONFIG=<remoteRoot>/.docker (set by the lab sshd).
   */
  sshExec(command: string, opts?: { timeout?: number; input?: string }): Promise<ExecResult>
  /** GET over node:http; rejects on connection errors and timeouts (default 10 s). */
  httpGet(url: string, opts?: HttpGetOptions): Promise<HttpResult>
  /**
   * Kills the apps recorded under remoteRoot; with images removes every container of the lab's
   * engine and stops podman (with its conmon/container descendants) and the registry; then
   * nginx and sshd; then removes the dirs. Idempotent.
   */
  stop(): Promise<void>
}

export function startLab(options?: LabOptions): Promise<Lab>
/** For a lab started from the command line: it runs until SIGINT or SIGTERM, then stops. */
export function keepUntilSignalled(lab: { stop(): Promise<void> }): void
export function spawnWanProxy(target: { port: number; host?: string }, options?: { rttMs?: number; mbit?: number }): Promise<WanLink>
export const WAN_DEFAULTS: { rttMs: number; mbit: number }
/** Lab users whose login shell is not a quiet bash: a greeting ~/.bashrc (bglsbash), zsh (bglszsh), fish (bglsfish); all greet on stdout and stderr. */
export const LOGIN_SHELL_USERS: string[]
export function freePort(): Promise<number>
/** A free loopback port that no other running lab has reserved; reserved for this process until releasePorts(). */
export function reservePort(): Promise<number>
export function releasePorts(ports: Iterable<number>): void
export function httpGet(url: string, opts?: HttpGetOptions): Promise<HttpResult>
/** Alive and not a zombie. */
export function isAlive(pid: number): boolean
export function needsProvisioning(opts?: { images?: boolean; debian?: boolean; fleet?: boolean }): boolean
export function ensureProvisioned(opts?: { images?: boolean; debian?: boolean; fleet?: boolean }): Promise<void>

export type DebianUserKey = 'deploy' | 'zsh' | 'fish'

export interface DebianLabOptions {
  /** Prefix of the lab dir `<repo>/.lab/<name>-<random>`; default 'debian'. */
  name?: string
  /** Also start podman and a registry; users reach the engine with plain `docker` (/var/run/docker.sock). */
  images?: boolean
  /** How long to wait while another debian lab runs on this machine; default 15 min. */
  lockTimeoutMs?: number
}

export interface DebianLabUser {
  /** `deploy` (bash), `deploy-zsh` or `deploy-fish`. */
  username: string
  /** Login shell: /bin/bash, /usr/bin/zsh, /usr/bin/fish. */
  shell: string
  uid: number
  /** `/home/<username>`: emptied to /etc/skel when the lab starts and stops. */
  home: string
  /** OpenSSH-format ed25519 private key without passphrase, in ~/.ssh/authorized_keys. */
  privateKey: string
  privateKeyPath: string
  /** What ~/.bashrc prints on its first line (deploy only). */
  greeting?: string
  /** ssh CLI arguments up to and including `<username>@127.0.0.1`. */
  sshArgs: string[]
}

/**
 * A server set up the way the common Debian/Ubuntu guides do it (see the README's lab section). Its nginx,
 * sshd and users' sessions run in a private mount namespace with their own /etc/nginx, /etc/sudoers.d and /run.
 * Only one runs at a time on a machine: it uses 127.0.0.1:80, 443, 8080, 8081, 18080-18082.
 */
export interface DebianLab {
  profile: 'debian'
  dir: string
  labId: string
  host: '127.0.0.1'
  sshPort: number
  /** `deploy`; privateKey, privateKeyPath and sshArgs below are deploy's. */
  username: 'deploy'
  privateKey: string
  privateKeyPath: string
  sshArgs: string[]
  users: Record<DebianUserKey, DebianLabUser>
  /** `Welcome to app-server`: deploy's ~/.bashrc prints it first, for non-interactive commands too. */
  greeting: string
  /** `app.example.test`: the app's server block's server_name and its certificate's name. */
  serverName: string
  /** The README's sudoers rule for `user`, as in the lab's sudoers.d. */
  sudoersRule(user: string): string
  hostFingerprint: string
  knownHosts: string
  hostKeys: Record<HostKeyKind, LabHostKey>
  knownHostsPath: string
  /** `/etc/nginx/conf.d/service-url.inc` (inside the lab): `set $service_url http://127.0.0.1:8080;` at start. */
  nginxInclude: string
  nginxConf: '/etc/nginx/nginx.conf'
  /** `/etc/nginx/sites-available/app` (linked from sites-enabled): redirect on 80, `listen 127.0.0.1:443 ssl` proxying to $service_url. */
  appSite: string
  /** Where the lab's /etc/nginx is on the host (read it; write with writeNginxFile). */
  etcNginx: string
  ports: [8080, 8081]
  managementPorts: [18081, 18082]
  pids: { holder: number; sshd: number; nginx: number; podman?: number; registry?: number }
  /** With images: `command` is `docker`. */
  docker?: LabDocker
  sshdConfig: string
  sshdLog: string
  nginxErrorLog: string
  /** Runs a command through the ssh CLI as a user (default deploy); never rejects on a non-zero exit. */
  sshExec(command: string, opts?: { user?: DebianUserKey; timeout?: number; input?: string }): Promise<ExecResult>
  /** `sh -c command` as root inside the lab's mount namespace (sees its /etc/nginx, /etc/sudoers.d, /run). */
  rootExec(command: string, opts?: { timeout?: number; input?: string }): Promise<ExecResult>
  /** Writes a file under /etc/nginx/ as root inside the lab (use appSite() / serviceInclude() for variants). */
  writeNginxFile(file: string, text: string): Promise<void>
  /** `nginx -t && nginx -s reload` as root; resolves once only new workers run, rejects when nginx refuses. */
  reloadNginx(): Promise<void>
  /** GET https://127.0.0.1:443<pathname> with SNI and Host = serverName (certificate not verified). */
  appGet(pathname: string, opts?: { timeoutMs?: number }): Promise<HttpResult>
  httpGet(url: string, opts?: HttpGetOptions): Promise<HttpResult>
  freePort(): Promise<number>
  sampleJar(version: string): Promise<string>
  /** Kills the users' processes, the engine, nginx, sshd and the namespace; resets the homes; releases the lock. Idempotent. */
  stop(): Promise<void>
}

export function startDebianLab(options?: DebianLabOptions): Promise<DebianLab>
/**
 * The app's site text: `include: false` proxies to a fixed URL without the include; `monitoring: true` routes
 * /monitoring/ to $service_monitoring_url, a path (e.g. '/actuator/') routes that location there instead.
 */
export function appSite(opts?: { include?: boolean; monitoring?: boolean | string }): string
/** `set $service_url http://127.0.0.1:<port>;` (default 8080), plus `set $service_monitoring_url ...;` with monitoringPort. */
export function serviceInclude(opts?: { port?: number; monitoringPort?: number }): string
