/**
 * The admin socket's dispatch tables: methods (request → result) and topics
 * (subscribe → a stream of events). The server knows nothing of clusters;
 * whoever starts it hands it a table and a context, and other modules extend
 * the table with entries of their own (the resource manager adds
 * `resource.*`, `node.*`, `fence.*`).
 *
 * @module
 */

export type AdminParams = Readonly<Record<string, unknown>>

/** Answers one request; a thrown ClusterError becomes an error response with its code. */
export type AdminMethod<C> = (ctx: C, params: AdminParams) => unknown

/** Starts a stream: calls `emit` for each event until the returned stop function is called. */
export type AdminTopic<C> = (ctx: C, params: AdminParams, emit: (data: unknown) => void) => (() => void) | Promise<() => void>

export interface AdminTable<C> {
  readonly methods: Readonly<Record<string, AdminMethod<C>>>
  readonly topics: Readonly<Record<string, AdminTopic<C>>>
}

/** Merges tables; a name defined twice is a programming error. */
export function mergeTables<C>(...tables: readonly AdminTable<C>[]): AdminTable<C> {
  const methods: Record<string, AdminMethod<C>> = {}
  const topics: Record<string, AdminTopic<C>> = {}
  for (const t of tables) {
    for (const [name, m] of Object.entries(t.methods)) {
      if (Object.hasOwn(methods, name)) throw new Error(`admin method ${name} is defined twice`)
      methods[name] = m
    }
    for (const [name, topic] of Object.entries(t.topics)) {
      if (Object.hasOwn(topics, name)) throw new Error(`admin topic ${name} is defined twice`)
      topics[name] = topic
    }
  }
  return { methods, topics }
}
