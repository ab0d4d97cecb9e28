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
  /** 'SHA256:...' as `ssh-keygen -lf` prints it for the host key. */
  hostFingerprint: string
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA...` */
  knownHosts: string
  knownHostsPath: string
  nginxPort: number
  nginxUrl: string
  /** Root-owned file holding `set $service_url http://127.0.0.1:<port>;`. */
  nginxInclude: string
  nginxConf: string
  nginxTestCommand: string
  nginxReloadCommand: string
  /** [bluePort, greenPort]: free ports nothing listens on when the lab starts. */
  ports: [number, number]
  /** `/home/bgdeploy/lab-<labId>`, owned by bgdeploy; `*.pid` files under it are killed by stop(). */
  remoteRoot: string
  /** uid of bgdeploy. */
  uid: number
  pids: { sshd: number; nginx: number }
  sshdLog: string
  nginxErrorLog: string
  /** ssh CLI arguments (up to and including `bgdeploy@127.0.0.1`) that log in with the lab key. */
  sshArgs: string[]
  freePort(): Promise<number>
  /** Builds `<dir>/jars/sample-app-<version>.jar`. */
  sampleJar(version: string): Promise<string>
  /** Runs a command as bgdeploy through the ssh CLI; never rejects on a non-zero exit. */
  sshExec(command: string, opts?: { timeout?: number }): Promise<ExecResult>
  /** GET over node:http; rejects on connection errors and timeouts (default 10 s). */
  httpGet(url: string, opts?: { timeoutMs?: number }): Promise<HttpResult>
  /** Kills the apps recorded under remoteRoot, nginx and sshd, then removes the dirs. Idempotent. */
  stop(): Promise<void>
}

export function startLab(options?: LabOptions): Promise<Lab>
export function freePort(): Promise<number>
export function httpGet(url: string, opts?: { timeoutMs?: number }): Promise<HttpResult>
/** Alive and not a zombie. */
export function isAlive(pid: number): boolean
export function needsProvisioning(): boolean
export function ensureProvisioned(): Promise<void>
