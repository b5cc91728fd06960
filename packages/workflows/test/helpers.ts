import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Fiber, Layer, Ref, TestClock, TestServices } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Engine, type FlowEvent, MediaOps, Runner } from "../src/index.js"

export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** run `f` with a fresh temporary directory (named `<prefix>XXXXXX`), removed afterwards */
export const withTempDir = <A, E, R>(prefix: string, f: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    f,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** runner + in-memory engine + in-memory X */
export const memoryLayer = (options: MediaOps.MemoryOptions = {}) =>
  Runner.layer.pipe(
    Layer.provideMerge(Engine.layerMemory),
    Layer.provideMerge(MediaOps.layerMemory(options)),
    Layer.provideMerge(NodeFileSystem.layer)
  )

/** run an effect while advancing the TestClock one second at a time until it ends */
export const withClock = <A, E, R>(effect: Effect.Effect<A, E, R>, maxSeconds = 3600) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < maxSeconds; i++) {
      // let the fiber reach its next sleep (file reads are real I/O, so give it a real millisecond)
      yield* TestServices.provideLive(Effect.sleep("2 millis"))
      const done = yield* fiber.poll
      if (done._tag === "Some") break
      yield* TestClock.adjust("1 second")
    }
    return yield* Fiber.join(fiber)
  })

/** collect events */
export const recorder = Effect.map(Ref.make<ReadonlyArray<FlowEvent.FlowEvent>>([]), (ref) => ({
  onEvent: (event: FlowEvent.FlowEvent) => Ref.update(ref, (all) => [...all, event]),
  events: Ref.get(ref)
}))
