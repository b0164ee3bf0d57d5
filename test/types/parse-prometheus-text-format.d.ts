/** The parser has no types of its own: what the tests use of it. */
declare module 'parse-prometheus-text-format' {
  interface ParsedSample { readonly value?: string; readonly labels?: Readonly<Record<string, string>> }
  interface ParsedFamily { readonly name: string; readonly help: string; readonly type: string; readonly metrics: readonly ParsedSample[] }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[]
}
