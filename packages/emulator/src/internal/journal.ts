/**
 * The request journal: one entry per request (method, route, operation, user, status, fault, timing, body
 * sha256). Never bytes or secrets. Bounded (oldest entries dropped).
 *
 * @internal
 */
import { Context, Effect, Layer } from "effect"

/** One journal entry. @internal */
export interface JournalEntry {
  readonly seq: number
  readonly at: number
  readonly method: string
  readonly path: string
  readonly route: string
  readonly operation: string
  readonly api: string
  readonly authKind: string
  readonly userId?: string | undefined
  readonly mediaId?: string | undefined
  readonly status: number
  readonly durationMs: number
  readonly fault?: string | undefined
  readonly bodySha256?: string | undefined
}

/** The journal service. @internal */
export interface JournalService {
  readonly record: (entry: Omit<JournalEntry, "seq">) => Effect.Effect<void>
  readonly list: Effect.Effect<ReadonlyArray<JournalEntry>>
  readonly clear: Effect.Effect<void>
}

/** Context tag of the journal. @internal */
export class Journal extends Context.Tag("@xmedia/emulator/Journal")<Journal, JournalService>() {}

/** An in-memory journal keeping the last `capacity` entries. @internal */
export const make = (capacity = 10_000): JournalService => {
  let entries: Array<JournalEntry> = []
  let seq = 0
  return {
    record: (entry) =>
      Effect.sync(() => {
        entries.push({ ...entry, seq: ++seq })
        if (entries.length > capacity) entries = entries.slice(entries.length - capacity)
      }),
    list: Effect.sync(() => entries.slice()),
    clear: Effect.sync(() => {
      entries = []
    })
  }
}

/** Layer of an in-memory journal. @internal */
export const layer = (capacity?: number): Layer.Layer<Journal> => Layer.sync(Journal, () => make(capacity))
