/** What the server probe (commands/probe.ts) prints, for unit tests of the sequences with the fake Remote. */
export const LISTEN = (port: number) => `   0: 0100007F:${port.toString(16).toUpperCase()} 00000000:0000 0A 0 0 0 0 0 1 1 0 100 0 0 10 0`

export const NGINX_CONFIG = [
  '# configuration file /etc/nginx/nginx.conf:',
  'http { server { listen 80; server_name shop.example.com; include /etc/nginx/conf.d/service-url.inc; } }'
].join('\n')

/** sudo -n -l allowed tee, nginx -t, nginx -T and the reload. */
export const ALLOWED = ['ok\t/usr/bin/tee\t', 'ok\t/usr/sbin/nginx\t', 'ok\t/usr/sbin/nginx\t', 'ok\t/usr/sbin/nginx\t']

export interface ProbeOptions {
  include?: string
  listening?: number[]
  sudo?: string[]
  config?: string
}

export function probeOutput({ include, listening = [], sudo = ALLOWED, config = NGINX_CONFIG }: ProbeOptions): string {
  return [
    '== uid',
    '1000',
    '== user',
    'deploy',
    '== include-status',
    include === undefined ? 'missing' : 'present',
    '== include-writable',
    'no',
    '== include',
    include ?? '',
    '== record',
    '== program',
    '/usr/bin/java',
    '== sudo',
    ...sudo,
    '== nginx-config-status',
    'ok',
    '== nginx-config',
    config,
    '== tcp',
    ...listening.map(LISTEN)
  ].join('\n')
}
