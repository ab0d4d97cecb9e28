import { globMatches, parseListing, resolveIncludes } from '../../../src/proxy/nginx-config.js'
import { findServing, parseListen, type ServerBlock } from '../../../src/proxy/nginx-servers.js'
import { ConfigSyntaxError, parseConfig } from '../../../src/proxy/nginx-syntax.js'
import { DEBIAN_FILES, dump } from '../../support/debian-nginx.js'

const INCLUDE = '/etc/nginx/conf.d/service-url.inc'
const ROUTE = 'set $service_url http://127.0.0.1:8081;\n'

function serving(text: string, include = INCLUDE, includeText = ROUTE) {
  return findServing(resolveIncludes(parseListing(text)).directives, '/etc/nginx', include, includeText)
}

describe('parseConfig', () => {
  it('reads directives, blocks, quotes, escapes, variables and comments as nginx does', () => {
    const text = `# leading comment
server { # trailing comment
  listen 443 ssl;
  add_header X-Note "a;b {c}" always;
  set $name '\${host}x';
  return 200 "it\\"s \\\\ ok\\n";
  location ~ ^/(a|b)$ { root /srv/$1; }
}`
    expect(parseConfig(text, 'site')).toEqual([
      {
        name: 'server',
        args: [],
        file: 'site',
        line: 2,
        block: [
          { name: 'listen', args: ['443', 'ssl'], file: 'site', line: 3 },
          { name: 'add_header', args: ['X-Note', 'a;b {c}', 'always'], file: 'site', line: 4 },
          { name: 'set', args: ['$name', '${host}x'], file: 'site', line: 5 },
          { name: 'return', args: ['200', 'it"s \\ ok\n'], file: 'site', line: 6 },
          {
            name: 'location',
            args: ['~', '^/(a|b)$'],
            file: 'site',
            line: 7,
            block: [{ name: 'root', args: ['/srv/$1'], file: 'site', line: 7 }]
          }
        ]
      }
    ])
    expect(parseConfig('set $a ${b}c;', 'f')[0].args).toEqual(['$a', '${b}c'])
  })

  it.each([
    ['server { listen 80; ', /f: unexpected end of file, expecting "}"/],
    ['listen 80', /f: unexpected end of file, expecting ";"/],
    ['}', /f:1: unexpected "}"/],
    ['\n\n;', /f:3: unexpected ";"/],
    ['return 200 "open;', /f:1: unterminated quoted string/]
  ])('refuses %j naming file and line', (text, message) => {
    expect(() => parseConfig(text, 'f')).toThrow(ConfigSyntaxError)
    expect(() => parseConfig(text, 'f')).toThrow(message)
  })
})

describe('parseListen', () => {
  it.each([
    [['80'], { address: '', port: 80, ssl: false, defaultServer: false, unusable: '' }],
    [['127.0.0.1:8080'], { address: '127.0.0.1', port: 8080 }],
    [['127.0.0.1'], { address: '127.0.0.1', port: 80 }],
    [['*:80'], { address: '*', port: 80 }],
    [['localhost:8000'], { address: 'localhost', port: 8000 }],
    [['[::]:443', 'ssl', 'default_server'], { address: '[::]', port: 443, ssl: true, defaultServer: true }],
    [['[::1]'], { address: '[::1]', port: 80 }],
    [['443', 'ssl', 'http2'], { port: 443, ssl: true }],
    [['443', 'quic', 'reuseport'], { unusable: 'QUIC (HTTP/3 over UDP)' }],
    [['8443', 'ssl', 'proxy_protocol'], { unusable: 'expects the PROXY protocol' }],
    [['unix:/run/nginx.sock'], { unusable: 'a unix socket' }],
    [['80', 'default'], { defaultServer: true }]
  ])('reads listen %j', (args, expected) => {
    expect(parseListen(args)).toMatchObject(expected)
  })

  it('makes every listener TLS under the old `ssl on;`', () => {
    expect(
      serving(`http { server { listen 8443; ssl on; include ${INCLUDE}; } }`.replace(/^/, '# configuration file /etc/nginx/nginx.conf:\n'))
        .servers[0].listens
    ).toEqual([{ address: '', port: 8443, ssl: true, unusable: '', defaultServer: false }])
  })
})

describe('finding the server blocks that include the include file', () => {
  it('finds the 443 block of a Debian layout through a snippet, not the default site or the redirect', () => {
    const found = serving(dump())
    expect(found.includedAt).toEqual(['/etc/nginx/snippets/app-proxy.conf:1'])
    expect(found.servers).toEqual<ServerBlock[]>([
      {
        listens: [
          { address: '', port: 443, ssl: true, unusable: '', defaultServer: false },
          { address: '[::]', port: 443, ssl: true, unusable: '', defaultServer: false }
        ],
        names: ['shop.example.com', 'www.shop.example.com'],
        where: '/etc/nginx/sites-enabled/shop:8'
      }
    ])
  })

  it('finds every block that includes it, on port 80 by default', () => {
    const files: [string, string][] = [
      ['/etc/nginx/nginx.conf', 'http { include sites/*.conf; }'],
      ['/etc/nginx/sites/a.conf', `server { server_name a.test; include ${INCLUDE}; }`],
      ['/etc/nginx/sites/b.conf', 'server { listen 8080; server_name b.test; location / { include conf.d/service-url.inc; } }'],
      ['/etc/nginx/sites/c.conf', 'server { listen 9090; }']
    ]
    const found = serving(dump(files))
    expect(found.servers.map(s => [s.where, s.listens.map(l => l.port), s.names])).toEqual([
      ['/etc/nginx/sites/a.conf:1', [80], ['a.test']],
      ['/etc/nginx/sites/b.conf:1', [8080], ['b.test']]
    ])
  })

  it('takes a file included at http level (a preview) as holding its own server blocks', () => {
    const files: [string, string][] = [['/etc/nginx/nginx.conf', 'http {\n  include /etc/nginx/conf.d/*.conf;\n}']]
    const preview =
      'server {\n  listen 127.0.0.1:8088;\n  server_name pr-7.preview.test;\n  location / { proxy_pass http://127.0.0.1:9001; }\n}\n'
    const found = serving(dump(files), '/etc/nginx/conf.d/shop-pr-7.conf', preview)
    expect(found.includedAt).toEqual(['/etc/nginx/nginx.conf:2'])
    expect(found.servers).toEqual([
      {
        listens: [{ address: '127.0.0.1', port: 8088, ssl: false, unusable: '', defaultServer: false }],
        names: ['pr-7.preview.test'],
        where: '/etc/nginx/conf.d/shop-pr-7.conf:1'
      }
    ])
  })

  it('finds nothing when only comments, other files or non-http blocks name it', () => {
    const files: [string, string][] = [
      [
        '/etc/nginx/nginx.conf',
        `# include ${INCLUDE};\nhttp { include other.inc; }\nstream { server { listen 5000; include ${INCLUDE}; } }`
      ],
      ['/etc/nginx/other.inc', '']
    ]
    expect(serving(dump(files))).toEqual({ servers: [], includedAt: [] })
    expect(serving(dump(), '/etc/nginx/conf.d/other.inc')).toEqual({ servers: [], includedAt: [] })
  })
})

describe('reading the configuration file by file', () => {
  it('asks for include patterns not read yet, relative to the main file, and follows them once read', () => {
    const expanded = new Map<string, string[]>()
    const listing = parseListing(
      '# configuration file /etc/nginx/nginx.conf:\nhttp { include sites-enabled/*; include /etc/nginx/mime.types; }\n',
      expanded
    )
    expect(resolveIncludes(listing).unknown).toEqual(['/etc/nginx/sites-enabled/*', '/etc/nginx/mime.types'])
    const more = parseListing(
      [
        '# bluegreen-include: /etc/nginx/sites-enabled/*',
        '# configuration file /etc/nginx/sites-enabled/shop:',
        `server { listen 443 ssl; include ${INCLUDE}; }`,
        '# bluegreen-unreadable: /etc/nginx/sites-enabled/secret',
        '# bluegreen-include: /etc/nginx/mime.types',
        '# configuration file /etc/nginx/mime.types:',
        'types { text/html html; }'
      ].join('\n'),
      expanded
    )
    for (const [path, text] of more.files) listing.files.set(path, text)
    // The include itself need not be read: the probe showed its text.
    expect(resolveIncludes(listing).unknown).toEqual([INCLUDE])
    const resolved = resolveIncludes(listing, INCLUDE)
    expect(resolved.unknown).toEqual([])
    expect(resolved.unreadable).toEqual(['/etc/nginx/sites-enabled/secret'])
    const found = findServing(resolved.directives, '/etc/nginx', INCLUDE, ROUTE)
    expect(found.servers.map(s => s.where)).toEqual(['/etc/nginx/sites-enabled/shop:1'])
  })
})

describe('globMatches', () => {
  it.each([
    ['/etc/nginx/sites-enabled/*', '/etc/nginx/sites-enabled/shop', true],
    ['/etc/nginx/sites-enabled/*', '/etc/nginx/sites-enabled/.shop.swp', false],
    ['/etc/nginx/sites-enabled/*', '/etc/nginx/sites-enabled/a/b', false],
    ['/etc/nginx/conf.d/*.conf', '/etc/nginx/conf.d/service-url.inc', false],
    ['/etc/nginx/conf.d/service-url.[ic]nc', '/etc/nginx/conf.d/service-url.inc', true],
    ['/etc/nginx/conf.d/service-url.[!i]nc', '/etc/nginx/conf.d/service-url.inc', false],
    ['/etc/nginx/conf.d/service-url.in?', '/etc/nginx//conf.d/./service-url.inc', true]
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(globMatches(pattern, path)).toBe(expected)
  })
})

it('knows the Debian files', () => {
  expect(DEBIAN_FILES.map(([path]) => path)).toContain(INCLUDE)
})
