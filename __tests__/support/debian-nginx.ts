/** A Debian-layout nginx configuration as `nginx -T` prints it: the stock nginx.conf and default site, and an app on 443. */
export const DEBIAN_FILES: [string, string][] = [
  [
    '/etc/nginx/nginx.conf',
    `user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
include /etc/nginx/modules-enabled/*.conf;

events {
\tworker_connections 768;
\t# multi_accept on;
}

http {
\t##
\t# Basic Settings
\t##

\tsendfile on;
\ttypes_hash_max_size 2048;
\t# server_tokens off;

\tinclude /etc/nginx/mime.types;
\tdefault_type application/octet-stream;

\tssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; # Dropping SSLv3, ref: POODLE
\tssl_prefer_server_ciphers on;

\taccess_log /var/log/nginx/access.log;
\tgzip on;

\tinclude /etc/nginx/conf.d/*.conf;
\tinclude /etc/nginx/sites-enabled/*;
}

#mail {
#\tserver {
#\t\tlisten     localhost:110;
#\t\tinclude /etc/nginx/conf.d/service-url.inc;
#\t}
#}
`
  ],
  ['/etc/nginx/modules-enabled/50-mod-http-geoip.conf', 'load_module modules/ngx_http_geoip_module.so;\n'],
  ['/etc/nginx/mime.types', 'types {\n    text/html                    html htm shtml;\n    image/svg+xml                svg svgz;\n}\n'],
  [
    '/etc/nginx/sites-enabled/default',
    `server {
\tlisten 80 default_server;
\tlisten [::]:80 default_server;

\t# SSL configuration
\t#
\t# listen 443 ssl default_server;
\t# include snippets/snakeoil.conf;

\troot /var/www/html;
\tindex index.html index.htm index.nginx-debian.html;

\tserver_name _;

\tlocation / {
\t\ttry_files $uri $uri/ =404;
\t}
}
`
  ],
  [
    '/etc/nginx/sites-enabled/shop',
    `server {
    listen 80;
    listen [::]:80;
    server_name shop.example.com www.shop.example.com;
    return 301 https://$host$request_uri;
}

server {
    listen 443 ssl http2;
    listen [::]:443 ssl http2;
    server_name "shop.example.com" www.shop.example.com;

    ssl_certificate /etc/letsencrypt/live/shop.example.com/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/shop.example.com/privkey.pem;
    include snippets/app-proxy.conf;
}
`
  ],
  [
    '/etc/nginx/snippets/app-proxy.conf',
    `include /etc/nginx/conf.d/service-url.inc; # the action rewrites this file
location / {
    proxy_pass $service_url;
    proxy_set_header Host $host;
    add_header X-Served-By "blue;green {slot}" always;
    set $upstream_name '\${service_url}';
}
`
  ],
  ['/etc/nginx/conf.d/service-url.inc', 'set $service_url http://127.0.0.1:8080;\n']
]

/** `nginx -T` output: stderr's verdict first (the probe runs it with 2>&1), then each file. */
export function dump(files: [string, string][] = DEBIAN_FILES): string {
  return [
    'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok',
    'nginx: configuration file /etc/nginx/nginx.conf test is successful',
    ...files.map(([path, text]) => `# configuration file ${path}:\n${text}`)
  ].join('\n')
}
