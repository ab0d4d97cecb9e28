// The lab's nginx configuration: the app on a plain loopback port, and over TLS by name beside a default site.
import fs from 'node:fs'
import path from 'node:path'
import { selfSignedCert } from './privilege.mjs'

export const TLS_SERVER_NAME = 'shop.lab.test'

/**
 * Writes `<nginxDir>/nginx.conf` and the include (routing to `bluePort`); returns their paths.
 * @param {string} nginxDir @param {{ nginxPort: number, tlsPort: number, bluePort: number }} ports
 */
export async function writeNginxConfig(nginxDir, { nginxPort, tlsPort, bluePort }) {
  const ng = (/** @type {string} */ name) => path.join(nginxDir, name)
  for (const d of ['conf.d', 'sites', 'tmp']) fs.mkdirSync(ng(d), { recursive: true, mode: 0o755 })
  const nginxInclude = ng('conf.d/service-url.inc')
  fs.writeFileSync(nginxInclude, `set $service_url http://127.0.0.1:${bluePort};\n`, { mode: 0o644 })
  const tls = await selfSignedCert(ng('tls'), TLS_SERVER_NAME)
  const tlsFiles = `ssl_certificate ${tls.cert}; ssl_certificate_key ${tls.key};`
  const nginxConf = ng('nginx.conf')
  const text = `daemon off;
master_process on;
user root;
worker_processes 1;
pid ${ng('nginx.pid')};
error_log ${ng('error.log')} notice;
events { worker_connections 512; }
http {
  access_log ${ng('access.log')};
  client_body_temp_path ${ng('tmp/body')};
  proxy_temp_path ${ng('tmp/proxy')};
  fastcgi_temp_path ${ng('tmp/fastcgi')};
  uwsgi_temp_path ${ng('tmp/uwsgi')};
  scgi_temp_path ${ng('tmp/scgi')};
  include ${ng('sites')}/*.conf;
  server {
    listen 127.0.0.1:${nginxPort};
    server_name _;
    include ${nginxInclude};
    location / {
      proxy_pass $service_url;
      proxy_read_timeout 120s;
      proxy_set_header Host $host;
    }
  }
  # Like a Debian server's: a default site that is not the app, and the app's block by name, over TLS.
  server {
    listen 127.0.0.1:${tlsPort} ssl http2 default_server;
    server_name default.lab.test;
    ${tlsFiles}
    return 404;
  }
  server {
    listen 127.0.0.1:${tlsPort} ssl http2;
    server_name ${TLS_SERVER_NAME};
    ${tlsFiles}
    include ${nginxInclude};
    location / {
      proxy_pass $service_url;
      proxy_set_header Host $host;
    }
  }
}
`
  fs.writeFileSync(nginxConf, text, { mode: 0o644 })
  return { nginxConf, nginxInclude, sitesDir: ng('sites') }
}
