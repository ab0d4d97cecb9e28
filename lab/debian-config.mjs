// The debian profile's configuration files, as a Debian or Ubuntu server set up by the common guides has
// them; the only changes are what a lab needs (loopback addresses, its own port and keys for sshd).

export const SERVER_NAME = 'app.example.test'
export const GREETING = 'Welcome to app-server'
export const NGINX_INCLUDE = '/etc/nginx/conf.d/service-url.inc'
/** Where the self-signed certificate for `serverName` and its key go. @param {string} serverName */
export const certificatePaths = serverName => ({ cert: `/etc/nginx/ssl/${serverName}.crt`, key: `/etc/nginx/ssl/${serverName}.key` })
export const { cert: CERTIFICATE, key: CERTIFICATE_KEY } = certificatePaths(SERVER_NAME)
export const APP_PORTS = /** @type {[number, number]} */ ([8080, 8081])
export const MANAGEMENT_PORTS = /** @type {[number, number]} */ ([18081, 18082])
/** Every fixed port the profile or a deploy on it uses; reserved while a profile lab runs. */
export const FIXED_PORTS = [80, 443, ...APP_PORTS, 18080, ...MANAGEMENT_PORTS]

/** The README's sudoers rule, verbatim, for `user` (with another include, as the README adapts it). @param {string} user */
export function sudoersRule(user, include = NGINX_INCLUDE) {
  return `${user} ALL=(root) NOPASSWD: /usr/bin/tee ${include}, /usr/sbin/nginx -t, /usr/sbin/nginx -T, /usr/sbin/nginx -s reload`
}

/** Debian 12's stock /etc/nginx/nginx.conf (its comments left out). */
export function nginxConf() {
  return `user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
include /etc/nginx/modules-enabled/*.conf;

events {
	worker_connections 768;
}

http {
	sendfile on;
	tcp_nopush on;
	types_hash_max_size 2048;

	include /etc/nginx/mime.types;
	default_type application/octet-stream;

	ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; # Dropping SSLv3, ref: POODLE
	ssl_prefer_server_ciphers on;

	access_log /var/log/nginx/access.log;

	gzip on;

	include /etc/nginx/conf.d/*.conf;
	include /etc/nginx/sites-enabled/*;
}
`
}

/** Debian's default site, on loopback. */
export function defaultSite() {
  return `server {
	listen 127.0.0.1:80 default_server;

	root /var/www/html;
	index index.html index.htm index.nginx-debian.html;

	server_name _;

	location / {
		try_files $uri $uri/ =404;
	}
}
`
}

/**
 * What the include holds: `set $service_url ...;` and, with a monitoring port, `set $service_monitoring_url ...;`.
 * @param {{ port?: number, monitoringPort?: number }} [opts]
 */
export function serviceInclude(opts = {}) {
  const monitoring = opts.monitoringPort ? `set $service_monitoring_url http://127.0.0.1:${opts.monitoringPort};\n` : ''
  return `set $service_url http://127.0.0.1:${opts.port ?? APP_PORTS[0]};\n${monitoring}`
}

/**
 * The app's site (sites-available/app): HTTP redirected to HTTPS, and on 443 `location /` proxied to
 * $service_url from the include. `include: false` proxies to a fixed URL without the include (a server
 * the action must refuse); `monitoring: true` also routes /monitoring/ to $service_monitoring_url, and a
 * path such as '/actuator/' routes that location there instead (the URI is passed on unchanged).
 * @param {{ include?: boolean, monitoring?: boolean | string }} [opts]
 */
export function appSite(opts = {}) {
  const include = opts.include ?? true
  const proxy = `proxy_set_header Host $host;
		proxy_set_header X-Real-IP $remote_addr;
		proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
		proxy_set_header X-Forwarded-Proto $scheme;`
  const monitoringPath = opts.monitoring === true ? '/monitoring/' : opts.monitoring
  const monitoring = monitoringPath
    ? `
	location ${monitoringPath} {
		proxy_pass $service_monitoring_url;
		${proxy}
	}
`
    : ''
  return `server {
	listen 127.0.0.1:80;
	server_name ${SERVER_NAME};
	return 301 https://$host$request_uri;
}

server {
	listen 127.0.0.1:443 ssl;
	server_name ${SERVER_NAME};

	ssl_certificate ${CERTIFICATE};
	ssl_certificate_key ${CERTIFICATE_KEY};
${include ? `\n\tinclude ${NGINX_INCLUDE};\n` : ''}
	location / {
		proxy_pass ${include ? '$service_url' : `http://127.0.0.1:${APP_PORTS[0]}`};
		${proxy}
	}
${monitoring}}
`
}

/** The settings Debian 12's stock /etc/ssh/sshd_config sets (its comments left out). */
export const DEBIAN_SSHD_SETTINGS = [
  'KbdInteractiveAuthentication no',
  'UsePAM yes',
  'X11Forwarding yes',
  'PrintMotd no',
  'AcceptEnv LANG LC_*',
  'Subsystem sftp /usr/lib/openssh/sftp-server'
]

/**
 * Debian's stock sshd_config settings, plus only what a lab must set: its address, port, host keys and PID file.
 * @param {{ port: number, hostKeys: string[], pidFile: string }} opts
 */
export function sshdConfig(opts) {
  return [
    ...DEBIAN_SSHD_SETTINGS,
    '',
    '# The lab: loopback, its own port, host keys and PID file.',
    'ListenAddress 127.0.0.1',
    `Port ${opts.port}`,
    ...opts.hostKeys.map(k => `HostKey ${k}`),
    `PidFile ${opts.pidFile}`,
    ''
  ].join('\n')
}

/** deploy's ~/.bashrc: a greeting on its first line, before Debian's "If not running interactively" return. @param {string} skel */
export function greetingBashrc(skel) {
  return `echo "${GREETING}"\n${skel}`
}
