// The fleet lab's configuration: the nginx host in the Debian layout with the app's server block proxying to an
// upstream of every app host, and what app hosts need so the sample app answers on their own address.
import fs from 'node:fs'
import { certificatePaths } from './debian-config.mjs'

export const FLEET_USER = 'bgfleet'
export const FLEET_SERVER_NAME = 'app.fleet.test'
export const FLEET_INCLUDE = '/etc/nginx/conf.d/fleet-upstream.conf'
export const FLEET_UPSTREAM = 'fleet'
export const FLEET_PORTS = /** @type {[number, number]} */ ([8080, 8081])
/** Where remote-dir may go on every host: a directory the user owns in its home. */
export const REMOTE_DIR = 'apps'
const PAM_ENV = '/etc/security/pam_env.conf'

/** `upstream fleet { server <address>:8080; ... }`, one line per app host. @param {string[]} addresses */
export function upstreamInclude(addresses, port = FLEET_PORTS[0]) {
  return `upstream ${FLEET_UPSTREAM} {\n${addresses.map(a => `    server ${a}:${port};\n`).join('')}}\n`
}

/** Debian's default site, listening on the host's addresses (IPv4 only: the lab's hosts have no IPv6 address). */
export function fleetDefaultSite() {
  return `server {
	listen 80 default_server;

	root /var/www/html;
	index index.html index.htm index.nginx-debian.html;

	server_name _;

	location / {
		try_files $uri $uri/ =404;
	}
}
`
}

/** The app's site: HTTP redirected to HTTPS, and on 443 `location /` proxied to the upstream. */
export function fleetAppSite() {
  const { cert, key } = certificatePaths(FLEET_SERVER_NAME)
  return `server {
	listen 80;
	server_name ${FLEET_SERVER_NAME};
	return 301 https://$host$request_uri;
}

server {
	listen 443 ssl;
	server_name ${FLEET_SERVER_NAME};

	ssl_certificate ${cert};
	ssl_certificate_key ${key};

	location / {
		proxy_pass http://${FLEET_UPSTREAM};
		proxy_set_header Host $host;
		proxy_set_header X-Real-IP $remote_addr;
		proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
		proxy_set_header X-Forwarded-Proto $scheme;
	}
}
`
}

/**
 * An app host's /etc/security/pam_env.conf: the machine's, plus SERVER_ADDRESS=0.0.0.0 for every login, so the
 * sample app (which listens on 127.0.0.1 unless told otherwise) answers nginx on the host's address, as a
 * Spring Boot app listening on all addresses does.
 */
export function appHostPamEnv() {
  if (!fs.existsSync(PAM_ENV))
    throw new Error(`lab: ${PAM_ENV} is missing (libpam-modules); the fleet lab's app hosts set SERVER_ADDRESS there`)
  const stock = fs.readFileSync(PAM_ENV, 'utf8')
  return `${stock}${stock.endsWith('\n') || stock === '' ? '' : '\n'}# The fleet lab: the sample app listens on this host's addresses.\nSERVER_ADDRESS DEFAULT=0.0.0.0\n`
}
