/**
 * The APPEND loop of the Effect baselines (`platform`, `transport`, `lean`): `concurrency` worker fibers, each with
 * its own buffer, take the next segment, read it with `readSync` between its multipart head and tail, and send the
 * body. The buffers are made once per process and kept, as the uploader keeps its own in the client's pool: a fresh
 * 4 MiB buffer per worker per upload cost these clients 18-26 ms of garbage collection per 256 MiB (the uploader
 * spends 6-8), which is not what they are here to measure.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { appendHead, appendTail, type ChildArgs, segmentsOf } from "./shared.js"

/** Each worker's buffer, by worker index, for the life of the process. */
const buffers: Array<Uint8Array> = []

/** Worker `i`'s buffer of at least `size` bytes, kept for the next upload. */
const bufferOf = (i: number, size: number): Uint8Array => {
  const kept = buffers[i]
  if (kept !== undefined && kept.length >= size) return kept
  const made = new Uint8Array(size)
  buffers[i] = made
  return made
}

export const appendWorkers = <E>(
  a: ChildArgs,
  size: number,
  fd: number,
  boundary: string,
  send: (body: Uint8Array, index: number) => Effect.Effect<unknown, E>
): Effect.Effect<void, E> => {
  const segments = segmentsOf(size, a.chunk)
  let next = 0
  const worker = (i: number) => Effect.suspend(() => {
    const buffer = bufferOf(i, a.chunk + 512)
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
  return Effect.all(Array.from({ length: a.concurrency }, (_, i) => worker(i)), {
    concurrency: "unbounded",
    discard: true
  })
}
