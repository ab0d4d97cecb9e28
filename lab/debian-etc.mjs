// The debian profile's private /etc/nginx and /etc/sudoers.d, built in the lab dir and bound over the real
// paths inside the profile's mount namespace, so the README's paths are the real ones.
import fs from 'node:fs'
import path from 'node:path'
import {
  appSite,
  certificatePaths,
  defaultSite,
  NGINX_INCLUDE,
  nginxConf,
  SERVER_NAME,
  serviceInclude,
  sudoersRule
} from './debian-config.mjs'
import { must } from './proc.mjs'
import { findCommand } from './provision.mjs'

/** The PATH sudo runs commands with (Debian's secure_path). */
const SECURE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

/**
 * The README's rule names /usr/bin/tee and /usr/sbin/nginx: they must be what sudo and a shell find. And the
 * host's /etc/sudoers must read /etc/sudoers.d, which the lab replaces with its own.
 */
export function assertSudoSetup() {
  if (!/^[@#]includedir\s+\/etc\/sudoers\.d\s*$/m.test(fs.readFileSync('/etc/sudoers', 'utf8')))
    throw new Error('lab: /etc/sudoers has no "@includedir /etc/sudoers.d", so the debian profile\'s sudo rules would not apply')
  for (const [name, expected] of [
    ['tee', '/usr/bin/tee'],
    ['nginx', '/usr/sbin/nginx']
  ]) {
    const found = findCommand(name, SECURE_PATH)
    if (found !== expected) throw new Error(`lab: sudo would run ${name} as ${found ?? 'nothing'}, but the README's rule names ${expected}`)
  }
}

/** Writes a file, replacing a symlink there rather than following it out of the lab dir. */
function put(/** @type {string} */ file, /** @type {string} */ text, mode = 0o644) {
  fs.rmSync(file, { force: true })
  fs.writeFileSync(file, text, { mode })
  fs.chmodSync(file, mode)
}

/**
 * `<dir>/etc-nginx`: the host's /etc/nginx (mime.types, modules, snippets) with Debian's stock nginx.conf, the
 * default site and the app's site enabled, the include made before the site that includes it, and a
 * self-signed certificate for the server name. `site` replaces the debian profile's sites and include.
 * @param {string} dir
 * @param {{ serverName?: string, defaultSite?: string, appSite?: string, include?: [string, string] }} [site]
 */
export async function buildNginxEtc(dir, site = {}) {
  const serverName = site.serverName ?? SERVER_NAME
  const [include, includeText] = site.include ?? [NGINX_INCLUDE, serviceInclude()]
  const etc = path.join(dir, 'etc-nginx')
  if (!fs.existsSync('/etc/nginx/mime.types'))
    throw new Error('lab: /etc/nginx/mime.types is missing; the debian profile copies the Debian nginx layout')
  fs.cpSync('/etc/nginx', etc, { recursive: true, verbatimSymlinks: true })
  const p = (/** @type {string} */ rel) => path.join(etc, rel)
  for (const d of ['conf.d', 'sites-available', 'sites-enabled', 'ssl']) {
    fs.rmSync(p(d), { recursive: true, force: true })
    fs.mkdirSync(p(d), { mode: 0o755 })
  }
  put(p('nginx.conf'), nginxConf())
  put(p('sites-available/default'), site.defaultSite ?? defaultSite())
  put(p('sites-available/app'), site.appSite ?? appSite())
  fs.symlinkSync('/etc/nginx/sites-available/default', p('sites-enabled/default'))
  fs.symlinkSync('/etc/nginx/sites-available/app', p('sites-enabled/app'))
  put(p(path.relative('/etc/nginx', include)), includeText)
  const { cert: certificate, key: certificateKey } = certificatePaths(serverName)
  const [cert, key] = [certificate, certificateKey].map(f => p(path.relative('/etc/nginx', f)))
  const subject = ['-subj', `/CN=${serverName}`, '-addext', `subjectAltName=DNS:${serverName}`]
  await must('openssl', ['req', '-x509', '-nodes', '-days', '30', '-newkey', 'rsa:2048', ...subject, '-keyout', key, '-out', cert])
  fs.chmodSync(key, 0o600)
  return etc
}

/**
 * `<dir>/sudoers.d`: one file per user holding the README's rule verbatim (checked by visudo), for `include`.
 * @param {string} dir @param {string[]} usernames
 */
export async function buildSudoers(dir, usernames, include = NGINX_INCLUDE) {
  const d = path.join(dir, 'sudoers.d')
  fs.mkdirSync(d, { mode: 0o755 })
  fs.chmodSync(d, 0o755)
  for (const user of usernames) {
    const file = path.join(d, user)
    put(file, `${sudoersRule(user, include)}\n`, 0o440)
    await must(findCommand('visudo') ?? '/usr/sbin/visudo', ['-cf', file])
  }
  return d
}
