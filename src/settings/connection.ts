/** The connection part of the settings: credentials, host-key checks, and the optional jump host. */
import { InputError } from '../errors.js'
import { parseBoolean, parseHosts, parseDuration, parseFingerprints, parsePort, required } from './inputs.js'
import type { ConnectionSettings, HopSettings } from './types.js'

export type { ConnectionSettings, HopSettings }

type InputReader = (name: string) => string

const HOST = /^[A-Za-z0-9.:[\]_-]+$/
const USERNAME = /^[A-Za-z0-9._][A-Za-z0-9._@-]*\$?$/

type Input = (name: string, fallback?: string) => string

export function readConnection(input: Input, read: InputReader): ConnectionSettings {
  const privateKey = readKey('private-key', read('private-key'))
  const password = read('password') || undefined
  if (!privateKey && !password) throw new InputError('private-key', '', "an OpenSSH private key (or set 'password')")
  const [first] = parseHosts(required(input, 'host', 'the server host name or IP address'), parsePort('port', input('port', '22')))
  const hop: HopSettings = {
    host: first.host,
    port: first.port,
    username: readUsername('username', required(input, 'username', 'the login user on the server')),
    privateKey,
    passphrase: read('passphrase') || undefined,
    password,
    hostFingerprints: parseFingerprints('host-fingerprint', read('host-fingerprint')),
    knownHosts: read('known-hosts').trim()
  }
  return {
    ...hop,
    skipHostKeyCheck: parseBoolean('insecure-skip-host-key-check', input('insecure-skip-host-key-check', 'false')),
    connectTimeoutMs: parseDuration('connect-timeout', input('connect-timeout', '20s')),
    proxy: readProxy(input, read, hop)
  }
}

function readProxy(input: Input, read: InputReader, target: HopSettings): HopSettings | undefined {
  const host = input('proxy-host')
  if (!host) return undefined
  const privateKey = readKey('proxy-private-key', read('proxy-private-key')) ?? target.privateKey
  if (!privateKey) throw new InputError('proxy-private-key', '', 'an OpenSSH private key for the jump host (or set private-key)')
  return {
    host: readHost('proxy-host', host),
    port: parsePort('proxy-port', input('proxy-port', '22')),
    username: readUsername('proxy-username', input('proxy-username', target.username)),
    privateKey,
    passphrase: target.passphrase,
    hostFingerprints: parseFingerprints('proxy-host-fingerprint', read('proxy-host-fingerprint')),
    knownHosts: target.knownHosts
  }
}

function readHost(name: string, value: string): string {
  if (!HOST.test(value)) throw new InputError(name, value, 'a host name or IP address')
  return value
}

function readUsername(name: string, value: string): string {
  if (!USERNAME.test(value)) throw new InputError(name, value, 'a Unix user name')
  return value
}

function readKey(name: string, value: string): string | undefined {
  const key = value.trim()
  if (!key) return undefined
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    throw new InputError(name, '(hidden)', 'a private key in PEM/OpenSSH form, starting with -----BEGIN ... PRIVATE KEY-----')
  }
  return `${key}\n`
}
