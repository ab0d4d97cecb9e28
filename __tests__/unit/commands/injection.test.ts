/**
 * Every command builder, fed hostile strings in every value a user controls, produces argv that a real
 * shell reads back element for element: each hostile string arrives as one literal argument, and none
 * is pasted into a constant script.
 */
import { execFileSync } from 'node:child_process'
import fc from 'fast-check'
import { appAlive, logTail, readPid, slotRunToken, startJar, stopApp } from '../../../src/commands/app.js'
import {
  containerId,
  imageExists,
  imageInfo,
  inspectContainers,
  listImages,
  login,
  logout,
  logs,
  pull,
  remove,
  removeImage,
  runContainer,
  stop,
  stopIfSame
} from '../../../src/commands/docker.js'
import {
  receiveFile,
  freeSpace,
  listJarReleases,
  makeDir,
  prepareRelease,
  prepareSlotDir,
  pruneOldest,
  readOptional,
  removeFile,
  removeQuietly,
  removeTree,
  writeFileAtomic
} from '../../../src/commands/files.js'
import { receiveDelta, writeChunkIndex } from '../../../src/commands/delta.js'
import { appendHistory, cancelTimers, readHistory, runLater } from '../../../src/commands/history.js'
import { runHook } from '../../../src/commands/hook.js'
import { addOwnImage, readImageRecords, writeOwnImages } from '../../../src/commands/images.js'
import { holdLock } from '../../../src/commands/lock.js'
import { nginxReload, nginxTest, readConfigFiles, removeIfOwn, writeInclude } from '../../../src/commands/nginx.js'
import type { RemoteCommand } from '../../../src/ssh/remote.js'
import { readTcpTables } from '../../../src/commands/tcp.js'
import { probeServer } from '../../../src/commands/probe.js'
import { shellJoin } from '../../../src/commands/shell.js'

const hostile = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1 }),
    fc.constantFrom(
      '; rm -rf /',
      '$(id)',
      '`id`',
      "'",
      '"',
      'a\nb',
      '\\',
      '*',
      '~root',
      '$HOME',
      '&& id',
      '| id',
      '> /tmp/x',
      '-rf',
      '--',
      'é✓ ☃',
      '%s%n'
    )
  )
  .filter(s => !s.includes('\0'))

/** Each builder with every user-controlled value taken from `v`. */
const builders: [string, (v: string) => RemoteCommand][] = [
  [
    'startJar',
    v =>
      startJar({ slotDir: v, port: 8080, javaCommand: [v], javaOptions: [v], jarPath: v, appArgs: [v], marker: v, runToken: v }, [['K', v]])
  ],
  [
    'startJar with port placeholders',
    v =>
      startJar(
        {
          slotDir: v,
          port: 8080,
          managementPort: 18080,
          javaCommand: [v],
          javaOptions: [`${v}{port}`],
          jarPath: v,
          appArgs: [`{management-port}${v}`],
          marker: v,
          runToken: v
        },
        [['K', `${v}{port}`]]
      )
  ],
  ['slotRunToken', v => slotRunToken(v, v)],
  ['stopApp', v => stopApp(v, v, 1000, v)],
  ['readPid', v => readPid(v)],
  ['listJarReleases', v => listJarReleases(v)],
  ['appendHistory', v => appendHistory(v, { v }, 50)],
  ['readHistory', v => readHistory(v, 50)],
  ['runLater', v => runLater(v, 5000, stopApp(v, v, 1000, v))],
  ['cancelTimers', v => cancelTimers([v, v])],
  ['imageExists', v => imageExists([v], v)],
  ['containerId', v => containerId([v], v)],
  ['stopIfSame', v => stopIfSame([v], v, v, 1000)],
  ['appAlive', v => appAlive(v, v)],
  ['logTail', v => logTail(v, 10)],
  ['prepareRelease', v => prepareRelease(v, v, [v])],
  ['receiveFile', v => receiveFile(v, v)],
  ['receiveDelta', v => receiveDelta(v, v, v)],
  ['writeChunkIndex', v => writeChunkIndex(v, v)],
  ['writeFileAtomic', v => writeFileAtomic(v, v)],
  ['writeInclude (sudo tee)', v => writeInclude(v, v, true, 'write')],
  ['writeInclude (own file)', v => writeInclude(v, v, false, 'write')],
  ['readConfigFiles', v => readConfigFiles([v, v])],
  ['removeIfOwn', v => removeIfOwn(v)],
  ['removeFile', v => removeFile(v, false)],
  ['pruneOldest', v => pruneOldest(v, 3, [v])],
  ['freeSpace', v => freeSpace(v)],
  ['prepareSlotDir', v => prepareSlotDir(v)],
  ['removeQuietly', v => removeQuietly(v)],
  ['readOptional', v => readOptional(v, v)],
  ['makeDir', v => makeDir(v)],
  ['removeTree', v => removeTree(v)],
  ['nginxTest', v => nginxTest([v, v], true)],
  ['nginxReload', v => nginxReload([v], false)],
  [
    'probeServer',
    v =>
      probeServer(v, v, v, [8080, 8081], {
        sudoAsRoot: false,
        sudoOtherwise: true,
        commands: [
          { role: 'write', argv: ['tee', v] },
          { role: 'check', argv: [v, '--', v] },
          { role: 'dump', argv: [v] }
        ],
        configPath: v,
        nginxProgram: v
      })
  ],
  ['readTcpTables', () => readTcpTables([80, 8080])],
  ['holdLock', v => holdLock(v, 1000, v)],
  ['login', v => login([v], v, v, v)],
  ['logout', v => logout([v], v)],
  ['pull', v => pull([v], v)],
  ['imageInfo', v => imageInfo([v], v)],
  ['inspectContainers', v => inspectContainers([v], [v, v])],
  ['runContainer', v => runContainer([v], { name: v, labels: { k: v }, hostPort: 1, appPort: 2, runArgs: [v], image: v }, [['K', v]])],
  [
    'runContainer with port placeholders',
    v =>
      runContainer(
        [v],
        {
          name: v,
          labels: { k: v },
          hostPort: 1,
          appPort: 2,
          management: { hostPort: 3, appPort: 4 },
          runArgs: [`--x=${v}{port}`],
          image: v
        },
        [['K', `{management-port}${v}`]]
      )
  ],
  ['logs', v => logs([v], v, 5)],
  ['stop', v => stop([v], v, 1000)],
  ['remove', v => remove([v], v)],
  ['listImages', v => listImages([v], v)],
  ['removeImage', v => removeImage([v], v)],
  ['addOwnImage', v => addOwnImage(v, v)],
  ['writeOwnImages', v => writeOwnImages(v, [v, v])],
  ['readImageRecords', v => readImageRecords(v, v)],
  ['runHook', v => runHook({ name: 'before-switch', dir: v, argv: [v, v], timeoutMs: 1000, jar: v }, [['K', v]])]
]

/** The arguments a real shell passes on after parsing `line` (each printed NUL-terminated). */
function parsedByShell(line: string): string[] {
  return execFileSync('sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' })
    .split('\0')
    .slice(0, -1)
}

function scriptsOf(argv: string[]): string[] {
  return argv.filter((_arg, i) => argv[i - 1] === '-c')
}

describe.each(builders)('%s', (_name, build) => {
  it('passes every hostile value as one literal argument', () => {
    fc.assert(
      fc.property(hostile, value => {
        const { argv } = build(value)
        expect(parsedByShell(shellJoin(argv))).toEqual(argv)
        // A script passed to `sh -c` is constant: the same whatever the values are.
        expect(scriptsOf(argv)).toEqual(scriptsOf(build('plain').argv))
      }),
      { numRuns: 40 }
    )
  })
})
