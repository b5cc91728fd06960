/**
 * Plain listeners on a node:http request or response, attached together and detached together.
 *
 * @internal
 */
import type { EventEmitter } from "node:events"

/** A listener that drops the event (keeps a late `error` from becoming uncaught). @internal */
export const ignore = (): void => {}

/** A listener as `EventEmitter.on` takes it. */
type Listener = Parameters<EventEmitter["on"]>[1]

/** Attaches each `[event, listener]` pair to `emitter`; answers the function that detaches them all. @internal */
export const listen = (
  emitter: EventEmitter,
  listeners: ReadonlyArray<readonly [string, Listener]>
): () => void => {
  for (const [event, listener] of listeners) emitter.on(event, listener)
  return () => {
    for (const [event, listener] of listeners) emitter.off(event, listener)
  }
}
