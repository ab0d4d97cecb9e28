export const LEAST_USER: 'bgleast'
/** The README's sudoers rule with the lab's paths: tee of the include, and nginx -c <conf> -t, -T and -s reload. */
export function leastPrivilegeRule(user: string, paths: { include: string; nginxBin: string; nginxConf: string; teeBin: string }): string
/** Installs `line` as /etc/sudoers.d/<name> (checked by visudo first); resolves to a function that removes it. */
export function installSudoers(name: string, line: string): Promise<() => void>
