import { parseListing, resolveIncludes } from '../../../src/proxy/nginx-config.js'
import { proxyingTo } from '../../../src/proxy/nginx-servers.js'

/** `nginx -T` output: each file after its header. */
function dump(files: Record<string, string>): string {
  return Object.entries(files)
    .map(([path, text]) => `# configuration file ${path}:\n${text}`)
    .join('\n')
}

function proxying(files: Record<string, string>, upstream = 'api') {
  return proxyingTo(resolveIncludes(parseListing(dump(files))).directives, upstream).map(server => ({
    where: server.where,
    names: server.names,
    ports: server.listens.map(listen => listen.port)
  }))
}

const MAIN = '/etc/nginx/nginx.conf'

describe('proxyingTo', () => {
  it('finds the server blocks whose proxy_pass names http://NAME or https://NAME, in nested locations too', () => {
    const config = `http {
  include /etc/nginx/conf.d/*.conf;
  server {
    listen 80;
    server_name plain.example.com;
    location / { proxy_pass http://api; }
  }
  server {
    listen 443 ssl;
    server_name tls.example.com;
    location /v1/ { proxy_pass https://api/v1/; }
  }
  server {
    listen 8080;
    server_name nested.example.com;
    location / {
      location /deep/ {
        if ($request_method = POST) { proxy_pass http://api; }
      }
    }
  }
  server {
    listen 81;
    server_name other.example.com;
    location / { proxy_pass http://127.0.0.1:8080; }
  }
}`
    expect(
      proxying({ [MAIN]: config, '/etc/nginx/conf.d/site.conf': 'server { listen 82; location / { proxy_pass http://api; } }' })
    ).toEqual([
      { where: '/etc/nginx/conf.d/site.conf:1', names: [], ports: [82] },
      { where: `${MAIN}:3`, names: ['plain.example.com'], ports: [80] },
      { where: `${MAIN}:8`, names: ['tls.example.com'], ports: [443] },
      { where: `${MAIN}:13`, names: ['nested.example.com'], ports: [8080] }
    ])
  })

  it('matches the name as nginx does, ignoring case', () => {
    const config =
      'http {\n server { listen 80; location / { proxy_pass http://API; } }\n server { listen 81; location / { proxy_pass HTTP://Api/x; } }\n}'
    expect(proxying({ [MAIN]: config }).map(server => server.ports)).toEqual([[80], [81]])
  })

  it.each([
    ['a longer name', 'proxy_pass http://apix;'],
    ['a name that ends with it', 'proxy_pass http://my_api;'],
    ['the name with a port (another host, not the upstream)', 'proxy_pass http://api:8080;'],
    ['the name elsewhere in the URL', 'proxy_pass http://127.0.0.1:8080/api;'],
    ['another scheme', 'grpc_pass grpc://api;'],
    ['a variable', 'proxy_pass http://$backend;'],
    ['only a header naming it', 'proxy_set_header X-Upstream http://api;']
  ])('leaves out a server that proxies to %s', (_, directive) => {
    expect(proxying({ [MAIN]: `http { server { listen 80; location / { ${directive} } } }` })).toEqual([])
  })

  it('leaves out server blocks outside http (stream, mail, or at the top level)', () => {
    const config = `stream { server { listen 9000; proxy_pass api; } }
server { listen 80; location / { proxy_pass http://api; } }
http { upstream api { server 10.0.0.1:8080; } }`
    expect(proxying({ [MAIN]: config })).toEqual([])
  })
})
