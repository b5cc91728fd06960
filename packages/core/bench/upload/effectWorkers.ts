/**
 * The APPEND loop of the Effect baselines (`platform`, `lean`): `concurrency` worker fibers, each with its own
 * buffer, take the next segment, read it with `readSync` between its multipart head and tail, and send the body.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { appendHead, appendTail, type ChildArgs, segmentsOf } from "./shared.js"

export const appendWorkers = <E>(
  a: ChildArgs,
  size: number,
  fd: number,
  boundary: string,
  send: (body: Uint8Array, index: number) => Effect.Effect<unknown, E>
): Effect.Effect<void, E> => {
  const segments = segmentsOf(size, a.chunk)
  let next = 0
  const worker = Effect.suspend(() => {
    const buffer = new Uint8Array(a.chunk + 512)
    const loop: Effect.Effect<void, E> = Effect.suspend(() => {
      const s = segments[next++]
      if (s === undefined) return Effect.void
      const head = appendHead(boundary, s.index)
      const tail = appendTail(boundary)
      buffer.set(head, 0)
      fs.readSync(fd, buffer, head.length, s.length, s.start)
      buffer.set(tail, head.length + s.length)
      return Effect.zipRight(send(buffer.subarray(0, head.length + s.length + tail.length), s.index), loop)
    })
    return loop
  })
  return Effect.all(Array.from({ length: a.concurrency }, () => worker), { concurrency: "unbounded", discard: true })
}
