/**
 * Retry policies as values.
 *
 * A `Retry.Policy` wraps an Effect `Schedule` whose input is the failure of one attempt. Every endpoint declares a
 * default policy; a client can override it (`XClient.layer({ retry: { default, byEndpoint } })`) and so can a
 * single call (`MediaUpload.status(id, { retry: Retry.none })`). Precedence: per call > per client and endpoint >
 * client default > endpoint default; the one-shot uploads ignore the client default (a blind retry could create a
 * second media id), and `Posts.create` restricts any policy to `Retry.unappliedOnly`'s failures.
 *
 * @example
 * ```ts
 * import { Retry, MediaUpload } from "@xmedia/core"
 *
 * // three fast retries on 5xx, no rate-limit waiting
 * MediaUpload.finalize(id, { retry: Retry.transient({ times: 3, base: "100 millis" }) })
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Schedule } from "effect"
import * as XError from "./XError.js"

/**
 * A retry policy: a name (shown in spans and docs) and a `Schedule` fed with each attempt's failure.
 *
 * @since 0.1.0
 */
export interface Policy {
  readonly _tag: "RetryPolicy"
  readonly name: string
  readonly schedule: Schedule.Schedule<unknown, XError.XError>
}

/**
 * Wraps any `Schedule` (input: the failure of the last attempt) as a policy.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * const policy = Retry.make("fixed", Schedule.spaced("2 seconds").pipe(Schedule.intersect(Schedule.recurs(3))))
 * ```
 *
 * @since 0.1.0
 */
export const make = <Out>(name: string, schedule: Schedule.Schedule<Out, XError.XError>): Policy => ({
  _tag: "RetryPolicy",
  name,
  schedule: Schedule.map(schedule, () => undefined as unknown)
})

/**
 * Options of `Retry.transient`.
 *
 * @since 0.1.0
 */
export interface TransientOptions {
  /** First delay (default 500 ms). */
  readonly base?: Duration.DurationInput
  /** Growth factor (default 2). */
  readonly factor?: number
  /** Largest delay (default 30 s). */
  readonly cap?: Duration.DurationInput
  /** Number of retries (default 5). */
  readonly times?: number
  /** Add ±20 % jitter (default true). */
  readonly jitter?: boolean
}

/**
 * Options of `Retry.rateLimit`.
 *
 * @since 0.1.0
 */
export interface RateLimitOptions {
  /** Number of rate-limit waits (default 3). */
  readonly times?: number
  /** Give up (fail with `RateLimited`) when the reset is further away than this (default 15 minutes). */
  readonly maxWait?: Duration.DurationInput
  /** Wait used when X sent no `x-rate-limit-reset` header (default 60 s). */
  readonly fallback?: Duration.DurationInput
}

const backoff = (options: TransientOptions | undefined) => {
  const cap = Duration.decode(options?.cap ?? "30 seconds")
  const exp = Schedule.exponential(options?.base ?? "500 millis", options?.factor ?? 2)
  const jittered = options?.jitter === false ? exp : Schedule.jittered(exp)
  // the delay is the second argument: the first is the schedule's output, the un-jittered exponential step
  return jittered.pipe(Schedule.modifyDelay((_, delay) => Duration.min(delay, cap)))
}

/** The shortest rate-limit wait: a reset already past (a clock ahead of X's) must not turn into instant retries. */
const minimumRateLimitWaitMillis = 1_000

/**
 * How long to wait for a rate-limit error: until its reset instant (read with the `Clock`, so `TestClock` drives
 * it; at least 1 s), or `fallback` when X sent no reset. `None`-like `undefined` when the wait exceeds `maxWait`.
 *
 * @since 0.1.0
 */
export const rateLimitWait = (
  error: XError.RateLimited,
  options?: RateLimitOptions
): Effect.Effect<Duration.Duration | undefined> =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    const wait = error.resetAt === undefined
      ? Duration.decode(options?.fallback ?? "60 seconds")
      : Duration.millis(Math.max(minimumRateLimitWaitMillis, error.resetAt - now))
    return Duration.greaterThan(wait, Duration.decode(options?.maxWait ?? "15 minutes")) ? undefined : wait
  })

const rateLimitSchedule = (options: RateLimitOptions | undefined) =>
  Schedule.identity<XError.XError>().pipe(
    Schedule.whileInputEffect((error) =>
      error._tag === "RateLimited"
        ? Effect.map(rateLimitWait(error, options), (wait) => wait !== undefined)
        : Effect.succeed(false)
    ),
    Schedule.addDelayEffect((error) =>
      error._tag === "RateLimited"
        ? Effect.map(rateLimitWait(error, options), (wait) => wait ?? Duration.zero)
        : Effect.succeed(Duration.zero)
    ),
    Schedule.intersect(Schedule.recurs(options?.times ?? 3))
  )

/**
 * Retries transient failures (HTTP 5xx, 408, timeouts, connection resets) with capped exponential backoff and
 * jitter. Does not wait for rate limits.
 *
 * @since 0.1.0
 */
export const transient = (options?: TransientOptions): Policy =>
  make(
    "transient",
    backoff(options).pipe(
      Schedule.intersect(Schedule.recurs(options?.times ?? 5)),
      Schedule.whileInput((error: XError.XError) => XError.isTransient(error))
    )
  )

/**
 * Retries `RateLimited` (HTTP 429 with a rate-limit body; never `UsageCapped`) by sleeping until X's
 * `x-rate-limit-reset` instant, then trying again.
 *
 * @since 0.1.0
 */
export const rateLimit = (options?: RateLimitOptions): Policy => make("rateLimit", rateLimitSchedule(options))

/**
 * Hands each failure to one of two schedules: `onRateLimited` for `RateLimited`, `otherwise` for the rest. Each keeps
 * its own state, so each counts only its own failures (a `union` would step both on every failure, and the rate-limit
 * waits would use up the transient retries).
 */
const byFailure = (
  onRateLimited: Schedule.Schedule<unknown, XError.XError>,
  otherwise: Schedule.Schedule<unknown, XError.XError>
): Schedule.Schedule<unknown, XError.XError> =>
  Schedule.makeWithState<readonly [unknown, unknown], XError.XError, unknown>(
    [onRateLimited.initial, otherwise.initial],
    (now, error, [rateState, otherState]) =>
      error._tag === "RateLimited"
        ? Effect.map(onRateLimited.step(now, error, rateState), ([next, out, decision]) =>
          [[next, otherState] as const, out, decision] as const)
        : Effect.map(otherwise.step(now, error, otherState), ([next, out, decision]) =>
          [[rateState, next] as const, out, decision] as const)
  )

/**
 * Both: transient failures with backoff, and rate limits by waiting for the reset. Each half counts its own
 * retries: with the defaults, up to 5 transient retries and, besides them, up to 3 rate-limit waits.
 *
 * @since 0.1.0
 */
export const standardWith = (options?: { readonly transient?: TransientOptions; readonly rateLimit?: RateLimitOptions }): Policy => {
  const transientOnly = backoff(options?.transient).pipe(
    Schedule.intersect(Schedule.recurs(options?.transient?.times ?? 5)),
    Schedule.whileInput((error: XError.XError) => XError.isTransient(error))
  )
  return make("standard", byFailure(rateLimitSchedule(options?.rateLimit), transientOnly))
}

/**
 * The default policy of idempotent calls: `transient()` and `rateLimit()` combined.
 *
 * @since 0.1.0
 */
export const standard: Policy = standardWith()

/**
 * Never retry.
 *
 * @since 0.1.0
 */
export const none: Policy = make("none", Schedule.stop)

/**
 * Retries only failures that certainly changed nothing at X (rate limits, requests never sent): the policy of
 * `POST /2/tweets`. Whatever policy is given for that endpoint is further restricted to these failures.
 *
 * @since 0.1.0
 */
export const unappliedOnly = (options?: { readonly rateLimit?: RateLimitOptions; readonly transient?: TransientOptions }): Policy =>
  guard(standardWith(options), XError.isCertainlyNotApplied, "unappliedOnly")

/**
 * Restricts a policy to failures for which `predicate` holds.
 *
 * @since 0.1.0
 */
export const guard = (policy: Policy, predicate: (error: XError.XError) => boolean, name?: string): Policy =>
  make(name ?? `${policy.name}|guarded`, policy.schedule.pipe(Schedule.whileInput(predicate)))
