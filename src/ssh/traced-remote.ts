/** A Remote that reports what each remote command did and how long it took, for the step log's debug detail. */
import type { Readable } from 'node:stream'
import type { ExecResult, HeldCommand, OutputListener, Remote, RemoteCommand, Tunnel } from './remote.js'

/** `where` names the connection (user@host:port); `debug` gets one line per command, tunnel and close. */
export function tracedRemote(remote: Remote, where: string, debug: (line: string) => void): Remote {
  async function timed<T>(what: string, run: () => Promise<T>, result: (value: T) => string): Promise<T> {
    const begin = Date.now()
    try {
      const value = await run()
      debug(`${where}: ${what}: ${result(value)} in ${Date.now() - begin} ms`)
      return value
    } catch (error) {
      debug(`${where}: ${what}: failed after ${Date.now() - begin} ms: ${(error as Error).message}`)
      throw error
    }
  }
  const finished = (result: ExecResult) =>
    `exit code ${result.code ?? 'none'}, ${Buffer.byteLength(result.stdout)} B stdout, ${Buffer.byteLength(result.stderr)} B stderr`
  return {
    exec: (command: RemoteCommand, onOutput?: OutputListener) =>
      timed(`'${command.label}'`, () => remote.exec(command, onOutput), finished),
    hold: (command: RemoteCommand, heartbeatMs?: number): Promise<HeldCommand> =>
      timed(
        `'${command.label}' (held)`,
        () => remote.hold(command, heartbeatMs),
        () => 'first line'
      ),
    upload: (localPath: string, command: RemoteCommand, onSent?: (bytes: number) => void) =>
      timed(`'${command.label}' (upload)`, () => remote.upload(localPath, command, onSent), finished),
    uploadStream: (source: Readable, command: RemoteCommand) =>
      timed(`'${command.label}' (upload stream)`, () => remote.uploadStream(source, command), finished),
    openTunnel: async (remotePort: number, remoteHost?: string): Promise<Tunnel> => {
      const to = `tunnel to ${remoteHost ?? '127.0.0.1'}:${remotePort}`
      const tunnel = await timed(
        to,
        () => remote.openTunnel(remotePort, remoteHost),
        opened => `open on 127.0.0.1:${opened.localPort}`
      )
      return {
        localPort: tunnel.localPort,
        check: () => tunnel.check(),
        close: () =>
          timed(
            `${to} closed`,
            () => tunnel.close(),
            ({ unconfirmed }) => `${unconfirmed} channel(s) unconfirmed`
          )
      }
    },
    lostReason: () => remote.lostReason(),
    close: () => remote.close()
  }
}
