/**
 * Deploys as login users whose shell is not a quiet bash: one whose ~/.bashrc greets (bash reads it for
 * `ssh host command` too), one with zsh and one with fish, each greeting on stdout and stderr before every
 * command. Values that zsh, fish or csh would read differently from sh reach the app literally, and the
 * greeting is shown once as a warning and never mistaken for a command's output.
 */
import { readFileSync } from 'node:fs'
import { LOGIN_SHELL_USERS, startLab, type Lab } from '../../lab/lab.mjs'
import { labInputs, runAction } from '../../lab/run-action.mjs'
import { appArgsInput, envInput, HOSTILE_ARGS, HOSTILE_ENV } from '../support/hostile-values.js'
import { argvOf } from '../support/processes.js'

const APP_ARGS = appArgsInput(HOSTILE_ARGS)
const GREETING_WARNING = /^::warning::The login shell of (\w+)@127\.0\.0\.1 printed text before each command/gm

describe.each(LOGIN_SHELL_USERS)('deploying as %s', user => {
  let lab: Lab
  const jars: Record<string, string> = {}

  beforeAll(async () => {
    lab = await startLab({ name: 'login-shells', user })
    for (const version of ['v1', 'v2']) jars[version] = await lab.sampleJar(version)
  })
  afterAll(() => lab?.stop())

  const inputs = (version: string) => ({
    ...labInputs(lab, 'shop'),
    jar: jars[version],
    env: envInput(HOSTILE_ENV),
    'app-args': APP_ARGS,
    'health-timeout': '30s',
    'stop-timeout': '5s'
  })

  async function appSees(port: number): Promise<{ env: Record<string, string>; args: string[] }> {
    const env: Record<string, string> = {}
    for (const key of Object.keys(HOSTILE_ENV))
      env[key] = (await lab.httpGet(`http://127.0.0.1:${port}/env/${key}`)).body.replace(/\n$/, '')
    const pid = Number(readFileSync(`${lab.remoteRoot}/shop/slots/${port === lab.ports[0] ? 'blue' : 'green'}/app.pid`, 'utf8'))
    const argv = argvOf(pid)
    return { env, args: argv.slice(argv.indexOf('-jar') + 2) }
  }

  it('deploys with hostile env and app-args, and shows the greeting once as a warning', async () => {
    const run = await runAction(inputs('v1'))
    expect(run.stderr).toBe('')
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'blue' })
    expect([...run.stdout.matchAll(GREETING_WARNING)].map(match => match[1])).toEqual([user])
    expect(run.stdout).toContain(`Welcome to the bgdeploy lab, ${user}!`)
    expect(run.summary).toContain('printed text before each command')
    expect(await appSees(lab.ports[0])).toEqual({ env: HOSTILE_ENV, args: HOSTILE_ARGS })
  })

  it('reads back what it wrote and moves traffic to green', async () => {
    const run = await runAction(inputs('v2'))
    expect(run.outputs).toMatchObject({ result: 'deployed', 'active-color': 'green', 'previous-color': 'blue' })
    expect((await lab.httpGet(`${lab.nginxUrl}/version`)).body.trim()).toBe('v2')
    expect(await appSees(lab.ports[1])).toEqual({ env: HOSTILE_ENV, args: HOSTILE_ARGS })
  })
})
