// js-yaml ships no types of its own; the tests only parse.
declare module 'js-yaml' {
  export function load(text: string): unknown
}
