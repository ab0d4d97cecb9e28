/** Inputs of pull-request previews (command: preview / preview-destroy). */
import { InputError } from '../errors.js'
import { parseBoolean, parseEnv, parseInteger, parseRemotePath } from './inputs.js'
import type { Slots } from '../server/slots.js'
import type { PreviewSettings } from './types.js'

export type { PreviewSettings }

export const DEFAULT_PREVIEW_TEMPLATE = `server {
    listen 80;
    server_name pr-{number}.{domain};
    location / {
        proxy_pass http://127.0.0.1:{port};
        proxy_set_header Host $host;
    }
}`

type Input = (name: string, fallback?: string) => string

export function readPreview(input: Input, read: (name: string) => string, slots: Slots, prNumber?: number): PreviewSettings {
  const numberText = input('pr-number', prNumber ? String(prNumber) : '')
  const ports = readRange(input('preview-ports', '9000-9099'))
  if ([slots.blue, slots.green].some(port => port >= ports.first && port <= ports.last)) {
    throw new InputError(
      'preview-ports',
      `${ports.first}-${ports.last}`,
      `a range that leaves out the production slots (${slots.blue}, ${slots.green})`
    )
  }
  const domain = input('preview-domain', 'preview.localhost')
  if (!/^[A-Za-z0-9.-]+$/.test(domain)) throw new InputError('preview-domain', domain, 'a domain name such as preview.example.com')
  const nginxTemplate = input('preview-nginx-template', DEFAULT_PREVIEW_TEMPLATE)
  if (!nginxTemplate.includes('{port}') || nginxTemplate.includes('{management-port}'))
    throw new InputError('preview-nginx-template', nginxTemplate.slice(0, 40), 'nginx text containing {port} (and no {management-port})')
  return {
    number: numberText ? parseInteger('pr-number', numberText, 1, 10_000_000) : null,
    ports,
    domain,
    nginxDir: parseRemotePath('preview-nginx-dir', input('preview-nginx-dir', '/etc/nginx/conf.d')),
    nginxTemplate,
    urlTemplate: input('preview-url-template', 'http://pr-{number}.{domain}'),
    max: parseInteger('preview-max', input('preview-max', '10'), 1, 1000),
    evict: parseBoolean('preview-evict', input('preview-evict', 'false')),
    githubToken: read('github-token').trim(),
    env: parseEnv('preview-env', read('preview-env')),
    inheritEnv: parseBoolean('preview-inherit-env', input('preview-inherit-env', 'false')),
    allowForks: parseBoolean('preview-allow-forks', input('preview-allow-forks', 'false'))
  }
}

function readRange(value: string): { first: number; last: number } {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(value.trim())
  const [first, last] = match ? [Number(match[1]), Number(match[2])] : [0, 0]
  if (!match || first < 1 || last > 65535 || last - first < 1) {
    throw new InputError('preview-ports', value, 'a port range with room for at least one preview (two ports), such as 9000-9099')
  }
  return { first, last }
}

/** Fills a preview template's placeholders other than {port}. */
export function fillPreview(template: string, values: { number: number; domain: string; app: string }): string {
  return template.replaceAll('{number}', String(values.number)).replaceAll('{domain}', values.domain).replaceAll('{app}', values.app)
}
