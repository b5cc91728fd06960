/**
 * Request timeouts without a race per request.
 *
 * `Effect.timeoutFail` forks two fibers per call (the effect and a sleeper), races them and merges the winner's fiber
 * refs back: on an upload that is every APPEND, and at 4 MiB segments it was the largest part of xmedia's own CPU per
 * segment (docs/upload-performance.md). Here each attempt runs in one child fiber registered with its deadline (the
 * caller waits on the child's exit observer, in one step), and one watcher fiber per client sleeps until the oldest
 * deadline (through `Clock`, so `TestClock` drives it) and interrupts the attempts past it. Every client uses one
 * timeout, so deadlines arrive in order: the watcher only looks at the front of a queue. It stops when no attempt is in
 * flight, so an idle client holds no timer; while a `hold` is open (an upload: its segments come one after another,
 * with gaps where no attempt is in flight) it keeps running instead of being stopped and restarted in every gap.
 *
 * @internal
 */
import { Clock, Duration, Effect, Fiber, Option, type Scope } from "effect"
import { clockOf } from "./fiberClock.js"

/**
 * A timeout option in milliseconds: `Infinity` for none, `NaN` when it is not a duration (`"soon"`, `NaN`); 0 or
 * less for the ones that cannot be met. @internal
 */
export const millisOf = (input: unknown): number =>
  Option.match(Duration.decodeUnknown(input), { onNone: () => Number.NaN, onSome: Duration.toMillis })

interface Entry {
  readonly deadline: number
  /** Dropped once settled, so a settled entry waiting in the queue holds no finished fiber. */
  fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined
  settled: boolean
  timedOut: boolean
}

/** Runs attempts with the client's timeout. @internal */
export interface Deadlines {
  /** `effect` in a child fiber, interrupted (and `onTimeout` failed) when it outlives the timeout. */
  readonly within: <A, E, R, E2>(effect: Effect.Effect<A, E, R>, onTimeout: () => E2) => Effect.Effect<A, E | E2, R>
  /** Keeps the watcher running between attempts until the scope closes (then it stops once nothing is in flight). */
  readonly hold: Effect.Effect<void, never, Scope.Scope>
}

/** Deadlines `timeoutMs` after each attempt starts. @internal */
export const make = (timeoutMs: number): Deadlines => {
  // attempts in start order (so in deadline order) from `head` on; settled ones are dropped from the front as they
  // settle, so the queue holds about what is in flight
  let queue: Array<Entry> = []
  let head = 0
  let pending = 0
  // the watcher fibers alive (one, except for a moment after an idle stop) and whether one is being started
  const watchers = new Set<Fiber.RuntimeFiber<void>>()
  let starting = false

  /** Drops the settled attempts at the front; answers the oldest one still in flight. */
  const oldest = (): Entry | undefined => {
    while (head < queue.length && queue[head]!.settled) head++
    if (head > 64 && head * 2 > queue.length) {
      queue = queue.slice(head)
      head = 0
    }
    return queue[head]
  }

  // open holds (uploads in progress)
  let holds = 0

  /** Nothing in flight: forget the queue, and unless held, stop the watcher (a sleeping one holds a timer). */
  const idle = () => {
    queue = []
    head = 0
    if (holds > 0) return
    for (const watcher of watchers) watcher.unsafeInterruptAsFork(watcher.id())
    watchers.clear()
  }

  const settle = (entry: Entry) => {
    if (entry.settled) return
    entry.settled = true
    entry.fiber = undefined
    pending -= 1
    oldest()
    if (pending === 0) idle()
  }

  const hold: Effect.Effect<void, never, Scope.Scope> = Effect.acquireRelease(
    Effect.sync(() => {
      holds += 1
    }),
    () =>
      Effect.sync(() => {
        holds -= 1
        if (pending === 0) idle()
      })
  )

  /** Sleeps until the oldest deadline, interrupts what is past it, and ends when nothing is in flight. */
  const watch: Effect.Effect<void> = Effect.withFiberRuntime<void>((self) => {
    watchers.add(self)
    starting = false
    const step: Effect.Effect<void> = Effect.suspend(() => {
      const entry = oldest()
      if (entry === undefined) return Effect.sync(() => watchers.delete(self))
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (now < entry.deadline) return Effect.zipRight(Effect.sleep(entry.deadline - now), step)
        // marked and interrupted in one step: the attempt cannot settle in between
        entry.timedOut = true
        entry.fiber?.unsafeInterruptAsFork(self.id())
        settle(entry)
        return step
      })
    })
    return step
  })

  const within = <A, E, R, E2>(effect: Effect.Effect<A, E, R>, onTimeout: () => E2): Effect.Effect<A, E | E2, R> =>
    Effect.withFiberRuntime((parent) => {
      const now = clockOf(parent).unsafeCurrentTimeMillis()
      // a child of `parent`: if `parent` is interrupted before the entry below exists, the child is interrupted
      // with it, and nothing was registered
      return Effect.flatMap(Effect.fork(effect), (fiber): Effect.Effect<A, E | E2, R> => {
        const entry: Entry = { deadline: now + timeoutMs, fiber, settled: false, timedOut: false }
        queue.push(entry)
        pending += 1
        // resumes with the attempt's exit, or the timeout; interrupting the wait interrupts the attempt and waits
        // for it to end
        const awaited = Effect.async<A, E | E2>((resume) => {
          fiber.addObserver((exit) => {
            const timedOut = entry.timedOut
            settle(entry)
            resume(timedOut ? Effect.fail(onTimeout()) : exit)
          })
          return Effect.zipRight(Effect.sync(() => settle(entry)), Fiber.interrupt(fiber))
        })
        if (watchers.size > 0 || starting) return awaited
        starting = true
        // interruptible even when started from an uninterruptible region: it is stopped when idle
        return Effect.zipRight(Effect.forkDaemon(Effect.interruptible(watch)), awaited)
      })
    })

  return { within, hold }
}
