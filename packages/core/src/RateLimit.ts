/**
 * The rate-limit budget X reports on every response (`x-rate-limit-*`, `x-app-limit-24hour-*`,
 * `x-user-limit-24hour-*`).
 *
 * Every call records the last `RateLimit.Info` seen per endpoint in its `XClient`; read it with
 * `XClient.lastRateLimit("MediaUpload.append")`, or pass `onRateLimit` to `XClient.layer` to be told about each one (a
 * batch runner can share one budget per endpoint this way).
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import * as XError from "./XError.js"

/**
 * What one response said about the budget of its endpoint. Instants are epoch milliseconds.
 *
 * @since 0.1.0
 */
export const Info = Schema.Struct({
  /** The endpoint (function name, e.g. `"MediaUpload.append"`). */
  endpoint: Schema.String,
  limit: Schema.optional(Schema.Number),
  remaining: Schema.optional(Schema.Number),
  resetAt: Schema.optional(Schema.Number),
  appDay: Schema.optional(XError.Window24h),
  userDay: Schema.optional(XError.Window24h),
  /** When the response was received (epoch ms, from `Clock`). */
  observedAt: Schema.Number
})
/** @since 0.1.0 */
export type Info = typeof Info.Type

const num = (headers: Readonly<Record<string, string | undefined>>, name: string): number | undefined => {
  const raw = headers[name]
  if (raw === undefined || raw.trim() === "") return undefined
  const n = Number(raw)
  return Number.isFinite(n) ? n : undefined
}

const seconds = (n: number | undefined) => n === undefined ? undefined : n * 1000

const window = (
  headers: Readonly<Record<string, string | undefined>>,
  prefix: string
): XError.Window24h | undefined => {
  const limit = num(headers, `${prefix}-limit`)
  const remaining = num(headers, `${prefix}-remaining`)
  const resetAt = seconds(num(headers, `${prefix}-reset`))
  if (limit === undefined && remaining === undefined && resetAt === undefined) return undefined
  return {
    ...(limit === undefined ? {} : { limit }),
    ...(remaining === undefined ? {} : { remaining }),
    ...(resetAt === undefined ? {} : { resetAt })
  }
}

/**
 * Reads the rate-limit headers (lower-case names, as `HttpClientResponse.headers` has them). Returns `None` when
 * the response carried none of them.
 *
 * @example
 * ```ts
 * RateLimit.fromHeaders("Posts.create", { "x-rate-limit-reset": "1700000000" }, Date.now())
 * ```
 *
 * @since 0.1.0
 */
export const fromHeaders = (
  endpoint: string,
  headers: Readonly<Record<string, string | undefined>>,
  observedAt: number
): Option.Option<Info> => {
  const limit = num(headers, "x-rate-limit-limit")
  const remaining = num(headers, "x-rate-limit-remaining")
  const resetAt = seconds(num(headers, "x-rate-limit-reset"))
  const appDay = window(headers, "x-app-limit-24hour")
  const userDay = window(headers, "x-user-limit-24hour")
  if (
    limit === undefined && remaining === undefined && resetAt === undefined && appDay === undefined &&
    userDay === undefined
  ) return Option.none()
  return Option.some({
    endpoint,
    observedAt,
    ...(limit === undefined ? {} : { limit }),
    ...(remaining === undefined ? {} : { remaining }),
    ...(resetAt === undefined ? {} : { resetAt }),
    ...(appDay === undefined ? {} : { appDay }),
    ...(userDay === undefined ? {} : { userDay })
  })
}

/**
 * The instant (epoch ms) when a spent budget comes back: the latest reset among the exhausted windows (15-minute,
 * app 24-hour, user 24-hour), or the 15-minute reset when none reports `remaining: 0`.
 *
 * @since 0.1.0
 */
export const resetInstant = (info: Pick<Info, "resetAt" | "remaining" | "appDay" | "userDay">): number | undefined => {
  const spent = [
    info.remaining === 0 ? info.resetAt : undefined,
    info.appDay?.remaining === 0 ? info.appDay.resetAt : undefined,
    info.userDay?.remaining === 0 ? info.userDay.resetAt : undefined
  ].filter((n): n is number => n !== undefined)
  return spent.length > 0 ? Math.max(...spent) : info.resetAt
}

/**
 * A callback told about every `Info` (set with `XClient.layer({ onRateLimit })`).
 *
 * @since 0.1.0
 */
export type Listener = (info: Info) => Effect.Effect<void>
