// Starts a lab and writes its inputs as a dotenv file, for running the action from source with
// `npx @github/local-action run . src/main.ts .env.local-action`. Runs until Ctrl-C, then stops the lab.
import { writeFileSync } from 'node:fs'
import { keepUntilSignalled, startLab } from '../lab/lab.mjs'
import { labInputs } from '../lab/run-action.mjs'

const file = process.argv[2] ?? '.env.local-action'

/** One dotenv line; double quotes with \n escapes keep the private key's line breaks. */
function line(name, value) {
  return `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

const lab = await startLab({ name: 'local' })
const jars = { v1: await lab.sampleJar('v1'), v2: await lab.sampleJar('v2') }
const inputs = { ...labInputs(lab, 'local'), jar: jars.v1, 'drain-timeout': '5s', 'stop-timeout': '5s' }
const lines = [
  "# Written by scripts/local-lab.mjs for the lab it started; it holds the lab's private key: do not commit it.",
  '# Step debug lines (each remote command, its result and time) are shown with this on.',
  'ACTIONS_STEP_DEBUG=true',
  'GITHUB_REPOSITORY=local/local',
  ...Object.entries(inputs).map(([name, value]) => line(`INPUT_${name.toUpperCase()}`, value))
]
writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 })
console.log(`Lab up: sshd on 127.0.0.1:${lab.sshPort}, nginx on ${lab.nginxUrl}, slots ${lab.ports.join(' and ')}.`)
console.log(`Wrote ${file}. In another terminal:\n  npx @github/local-action run . src/main.ts ${file}`)
console.log(`For a blue/green switch, set INPUT_JAR in it to ${jars.v2} and run it again.`)
console.log('Ctrl-C stops the lab.')

keepUntilSignalled(lab)
