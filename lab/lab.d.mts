import type { IncomingHttpHeaders } from 'node:http'

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

export interface LabOptions {
  /** Prefix of the lab dir `<repo>/.lab/<name>-<random>`; default 'lab'. */
  name?: string
  /** Also start a per-lab podman engine and a loopback registry (`lab.docker`); default false. */
  images?: boolean
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
  username: 'bgdeploy'
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
  /** `/home/bgdeploy/lab-<labId>`, owned by bgdeploy; `*.pid` files under it are killed by stop(). */
  remoteRoot: string
  /** uid of bgdeploy. */
  uid: number
  /** podman: the `tini -s` wrapping `podman system service` (conmon and containers are its descendants). */
  pids: { sshd: number; nginx: number; podman?: number; registry?: number }
  /** Present only with `startLab({ images: true })`. */
  docker?: LabDocker
  sshdLog: string
  nginxErrorLog: string
  /** ssh CLI arguments (up to and including `bgdeploy@127.0.0.1`) that log in with the lab key. */
  sshArgs: string[]
  freePort(): Promise<number>
  /** Builds `<dir>/jars/sample-app-<version>.jar`. */
  sampleJar(version: string): Promise<string>
  /**
   * Runs a command as bgdeploy through the ssh CLI; never rejects on a non-zero exit.
   * `input` is written to the command's stdin (e.g. for `docker login --password-stdin`).
   * With images, the session has DOCKER_CONFIG=<remoteRoot>/.docker (set by the lab sshd).
   */
  sshExec(command: string, opts?: { timeout?: number; input?: string }): Promise<ExecResult>
  /** GET over node:http; rejects on connection errors and timeouts (default 10 s). */
  httpGet(url: string, opts?: { timeoutMs?: number }): Promise<HttpResult>
  /**
   * Kills the apps recorded under remoteRoot; with images removes every container of the lab's
   * engine and stops podman (with its conmon/container descendants) and the registry; then
   * nginx and sshd; then removes the dirs. Idempotent.
   */
  stop(): Promise<void>
}

export function startLab(options?: LabOptions): Promise<Lab>
export function freePort(): Promise<number>
export function httpGet(url: string, opts?: { timeoutMs?: number }): Promise<HttpResult>
/** Alive and not a zombie. */
export function isAlive(pid: number): boolean
export function needsProvisioning(opts?: { images?: boolean }): boolean
export function ensureProvisioned(opts?: { images?: boolean }): Promise<void>
