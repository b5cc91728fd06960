/**
 * Fault injection: an ordered list of targeted rules, deterministic under a seed.
 *
 * A rule matches on any of operation, route (template or path, `*` suffix = prefix), method, surface, user and media
 * id; then `after` skips the first N matches, `probability` draws from a seeded PRNG (mulberry32), `count` caps how
 * often it fires and `ttlMs` retires it (on the `Clock`). The first rule that fires wins; a matching rule that does not
 * fire (skipped by `after` or lost the draw) lets the next rules be tried.
 *
 * Request-level actions (status bodies, 429, resets, hang, latency, truncation) are decided by {@link FaultEngine.decide}
 * and carried out by `faultsMiddleware.ts`. Media-level actions (`processingFailure`, `omitCheckAfterSecs`,
 * `expireMedia`) are not decided per request: the processing and state code ask {@link FaultEngine.mediaFault} when they
 * decide an outcome or look a media item up.
 *
 * @internal
 */
import { Clock, Context, Effect, FiberRef, Layer, Option, Schema } from "effect"
import type { ApiSurface, RequestInfoData } from "./context.js"
import type { FailedOutcome } from "./state/State.js"

const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())
const Probability = Schema.Number.pipe(Schema.between(0, 1))

/** The fault a rule injects. @internal */
export const FaultAction = Schema.Union(
  Schema.Struct({
    kind: Schema.Literal("status"),
    status: Schema.Int.pipe(Schema.between(400, 599)),
    /** The body to send; X's body for the status and surface when omitted (see `defaultErrorBody`). */
    body: Schema.optional(Schema.Unknown),
    contentType: Schema.optional(Schema.String)
  }),
  Schema.Struct({
    kind: Schema.Literal("rateLimit"),
    /** Seconds until `x-rate-limit-reset` (default 900). */
    resetAfterSeconds: Schema.optional(NonNegativeInt)
  }),
  Schema.Struct({
    kind: Schema.Literal("usageCapped"),
    period: Schema.optional(Schema.Literal("Daily", "Monthly")),
    scope: Schema.optional(Schema.Literal("Account", "Product"))
  }),
  Schema.Struct({ kind: Schema.Literal("resetBeforeHandler") }),
  Schema.Struct({ kind: Schema.Literal("resetAfterCommit") }),
  Schema.Struct({ kind: Schema.Literal("resetAfterRequestBytes"), bytes: NonNegativeInt }),
  Schema.Struct({ kind: Schema.Literal("hang") }),
  Schema.Struct({ kind: Schema.Literal("latency"), ms: NonNegativeInt, jitterMs: Schema.optional(NonNegativeInt) }),
  Schema.Struct({
    kind: Schema.Literal("truncateResponse"),
    /** Body bytes to send before the connection is cut (default: half the body). */
    bytes: Schema.optional(NonNegativeInt)
  }),
  Schema.Struct({
    kind: Schema.Literal("processingFailure"),
    code: Schema.optional(Schema.Int),
    name: Schema.optional(Schema.String),
    message: Schema.optional(Schema.String),
    /**
     * The state reported with the `error` once processing ends: `failed` (default) or `in_progress` (X has reported
     * errors while still in progress, e.g. `{state:"in_progress", progress_percent:99, error:{...}}`).
     */
    state: Schema.optional(Schema.Literal("failed", "in_progress"))
  }),
  /** The media's `processing_info` never carries `check_after_secs` (X's quickstart example has none). */
  Schema.Struct({ kind: Schema.Literal("omitCheckAfterSecs") }),
  Schema.Struct({ kind: Schema.Literal("expireMedia") })
)
/** @internal */
export type FaultAction = typeof FaultAction.Type

/** The media-level kinds. @internal */
export type MediaFaultKind = "processingFailure" | "omitCheckAfterSecs" | "expireMedia"
/** The kinds handled per request (everything but the media-level kinds). @internal */
export type RequestFaultKind = Exclude<FaultAction["kind"], MediaFaultKind>

/** What a rule matches; every given field must match. @internal */
export const FaultMatch = Schema.Struct({
  operation: Schema.optional(Schema.String),
  route: Schema.optional(Schema.String),
  method: Schema.optional(Schema.String),
  api: Schema.optional(Schema.Literal("v2", "v1.1", "admin", "unknown")),
  userId: Schema.optional(Schema.String),
  mediaId: Schema.optional(Schema.String)
})
/** @internal */
export type FaultMatch = typeof FaultMatch.Type

/** A fault rule as added through config or the admin API. @internal */
export const FaultRule = Schema.Struct({
  id: Schema.optional(Schema.String),
  match: Schema.optionalWith(FaultMatch, { default: () => ({}) }),
  probability: Schema.optional(Probability),
  count: Schema.optional(NonNegativeInt),
  after: Schema.optional(NonNegativeInt),
  ttlMs: Schema.optional(NonNegativeInt),
  fault: FaultAction
})
/** @internal */
export type FaultRule = typeof FaultRule.Type
/** The JSON form of a rule (what the admin API accepts). @internal */
export type FaultRuleInput = typeof FaultRule.Encoded

/** A rule with its runtime counters, as the admin API lists it. @internal */
export const RuleView = Schema.Struct({
  id: Schema.String,
  match: FaultMatch,
  probability: Schema.optional(Probability),
  count: Schema.optional(NonNegativeInt),
  after: Schema.optional(NonNegativeInt),
  ttlMs: Schema.optional(NonNegativeInt),
  fault: FaultAction,
  addedAt: Schema.Number,
  /** Requests that matched (whether or not the rule fired). */
  matched: NonNegativeInt,
  /** Times the fault was injected. */
  fired: NonNegativeInt
})
/** @internal */
export type RuleView = typeof RuleView.Type

/** The request a decision is about. @internal */
export interface FaultSubject {
  readonly operation: string
  readonly route: string
  readonly path: string
  readonly method: string
  readonly api: ApiSurface
  readonly userId?: string | undefined
  readonly mediaId?: string | undefined
}

/** The fault subject of a routed request (its `RequestInfo`). @internal */
export const subjectOf = (info: RequestInfoData): FaultSubject => ({
  operation: info.operation,
  route: info.route,
  path: info.path,
  method: info.method,
  api: info.api,
  userId: info.userId,
  mediaId: info.mediaId
})

/** An injected fault. @internal */
export interface Applied {
  readonly ruleId: string
  readonly action: FaultAction
  /** For `latency`: the delay chosen (ms + a seeded draw of the jitter). */
  readonly delayMs?: number | undefined
}

/** The fault engine. @internal */
export interface FaultEngine {
  /** Appends rules (ids are generated when missing; an existing id is replaced in place). */
  readonly add: (rules: ReadonlyArray<FaultRule>) => Effect.Effect<ReadonlyArray<RuleView>>
  readonly list: Effect.Effect<ReadonlyArray<RuleView>>
  /** Removes one rule; `false` when there was none with that id. */
  readonly remove: (id: string) => Effect.Effect<boolean>
  /** Removes every rule. */
  readonly clear: Effect.Effect<void>
  /** Restarts the PRNG from `seed`. */
  readonly setSeed: (seed: number) => Effect.Effect<void>
  readonly seed: Effect.Effect<number>
  /** Decides the request-level fault for a request (counts `matched`/`fired`). */
  readonly decide: (subject: FaultSubject) => Effect.Effect<Option.Option<Applied>>
  /** Decides a media-level fault (`processingFailure` and `omitCheckAfterSecs` at FINALIZE, `expireMedia` on lookup). */
  readonly mediaFault: (
    kind: MediaFaultKind,
    subject: Partial<FaultSubject> & { readonly mediaId: string }
  ) => Effect.Effect<Option.Option<Applied>>
  /** Restores the configured rules (fresh counters; added ones are dropped) and restarts the PRNG from the configured seed (admin reset). */
  readonly reset: Effect.Effect<void>
}

/** Context tag for the emulator's {@link FaultEngine}. @internal */
export class Faults extends Context.Tag("@xmedia/emulator/Faults")<Faults, FaultEngine>() {}

/**
 * The fault applied to the current request, if any (set by the middleware; read by the journal).
 *
 * @internal
 */
export const currentFault: FiberRef.FiberRef<Option.Option<Applied>> = FiberRef.unsafeMake<Option.Option<Applied>>(
  Option.none()
)

/**
 * mulberry32: a small, fast, well-distributed 32-bit PRNG; the same seed gives the same sequence.
 *
 * @internal
 */
export const mulberry32 = (seed: number) => {
  let state = seed >>> 0
  return {
    next: (): number => {
      state = (state + 0x6d2b79f5) >>> 0
      let t = state
      t = Math.imul(t ^ (t >>> 15), t | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }
}

const routeMatches = (pattern: string, subject: Pick<FaultSubject, "route" | "path">): boolean =>
  pattern.endsWith("*")
    ? subject.route.startsWith(pattern.slice(0, -1)) || subject.path.startsWith(pattern.slice(0, -1))
    : subject.route === pattern || subject.path === pattern

/**
 * Whether a rule's `match` selects a request.
 *
 * @internal
 */
export const matches = (match: FaultMatch, subject: Partial<FaultSubject>): boolean =>
  (match.operation === undefined || match.operation === subject.operation) &&
  (match.route === undefined ||
    routeMatches(match.route, { route: subject.route ?? "", path: subject.path ?? "" })) &&
  (match.method === undefined || match.method.toUpperCase() === subject.method?.toUpperCase()) &&
  (match.api === undefined || match.api === subject.api) &&
  (match.userId === undefined || match.userId === subject.userId) &&
  (match.mediaId === undefined || match.mediaId === subject.mediaId)

const isMediaKind = (kind: FaultAction["kind"]): kind is MediaFaultKind =>
  kind === "processingFailure" || kind === "omitCheckAfterSecs" || kind === "expireMedia"

interface Entry {
  readonly rule: FaultRule
  readonly id: string
  readonly addedAt: number
  matched: number
  fired: number
}

/** Options of {@link make}. @internal */
export interface Options {
  /** PRNG seed (default 1). */
  readonly seed?: number | undefined
  /** Rules present from the start (from the emulator's config). */
  readonly rules?: ReadonlyArray<FaultRule> | undefined
}

/**
 * Makes a {@link FaultEngine}.
 *
 * @example
 * const faults = yield* Faults.make({ seed: 42 })
 * yield* faults.add([{ match: { operation: "posts.create" }, count: 1, fault: { kind: "resetAfterCommit" } }])
 * @internal
 */
export const make = (options: Options = {}): Effect.Effect<FaultEngine> =>
  Effect.gen(function*() {
    const initialSeed = options.seed ?? 1
    let seed = initialSeed
    let prng = mulberry32(seed)
    let entries: Array<Entry> = []
    let nextId = 1

    const view = (e: Entry): RuleView => ({
      ...e.rule,
      id: e.id,
      match: e.rule.match,
      addedAt: e.addedAt,
      matched: e.matched,
      fired: e.fired
    })

    const add = (rules: ReadonlyArray<FaultRule>) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const added: Array<Entry> = []
        for (const rule of rules) {
          const id = rule.id ?? `fault-${nextId++}`
          const entry: Entry = { rule, id, addedAt: now, matched: 0, fired: 0 }
          const at = entries.findIndex((e) => e.id === id)
          if (at >= 0) entries[at] = entry
          else entries.push(entry)
          added.push(entry)
        }
        return added.map(view)
      })

    const live = (now: number) => {
      entries = entries.filter((e) => e.rule.ttlMs === undefined || now < e.addedAt + e.rule.ttlMs)
      return entries.filter((e) => e.rule.count === undefined || e.fired < e.rule.count)
    }

    const pick = (now: number, wanted: (kind: FaultAction["kind"]) => boolean, subject: Partial<FaultSubject>) => {
      for (const e of live(now)) {
        if (!wanted(e.rule.fault.kind) || !matches(e.rule.match, subject)) continue
        e.matched += 1
        if (e.rule.after !== undefined && e.matched <= e.rule.after) continue
        if (e.rule.probability !== undefined && e.rule.probability < 1 && !(prng.next() < e.rule.probability)) continue
        e.fired += 1
        const action = e.rule.fault
        const delayMs = action.kind === "latency"
          ? action.ms + Math.floor(prng.next() * ((action.jitterMs ?? 0) + 1))
          : undefined
        return Option.some<Applied>({ ruleId: e.id, action, delayMs })
      }
      return Option.none<Applied>()
    }

    if (options.rules !== undefined) yield* add(options.rules)

    const engine: FaultEngine = {
      add,
      list: Effect.map(Clock.currentTimeMillis, (now) => {
        live(now)
        return entries.map(view)
      }),
      remove: (id) =>
        Effect.sync(() => {
          const before = entries.length
          entries = entries.filter((e) => e.id !== id)
          return entries.length !== before
        }),
      clear: Effect.sync(() => {
        entries = []
      }),
      setSeed: (s) =>
        Effect.sync(() => {
          seed = s
          prng = mulberry32(s)
        }),
      seed: Effect.sync(() => seed),
      decide: (subject) => Effect.map(Clock.currentTimeMillis, (now) => pick(now, (k) => !isMediaKind(k), subject)),
      mediaFault: (kind, subject) => Effect.map(Clock.currentTimeMillis, (now) => pick(now, (k) => k === kind, subject)),
      reset: Effect.suspend(() => {
        entries = []
        seed = initialSeed
        prng = mulberry32(initialSeed)
        return options.rules === undefined ? Effect.void : Effect.asVoid(add(options.rules))
      })
    }
    return engine
  })

/**
 * A Layer providing {@link Faults}.
 *
 * @internal
 */
export const layer = (options: Options = {}): Layer.Layer<Faults> => Layer.effect(Faults, make(options))

const PROBLEM_PREFIX = "https://api.twitter.com/2/problems/"

const reasonPhrases: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  410: "Gone",
  413: "Payload Too Large",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

/** v1.1 codes X uses for these statuses (research §8.2). */
const v1Codes: Readonly<Record<number, { readonly code: number; readonly message: string }>> = {
  400: { code: 215, message: "Bad Authentication data." },
  401: { code: 32, message: "Could not authenticate you." },
  403: { code: 220, message: "Your credentials do not allow access to this resource." },
  404: { code: 34, message: "Sorry, that page does not exist" },
  429: { code: 88, message: "Rate limit exceeded" },
  500: { code: 131, message: "Internal error" },
  502: { code: 131, message: "Internal error" },
  503: { code: 130, message: "Over capacity" },
  504: { code: 131, message: "Internal error" }
}

/**
 * X's error body for a status on a surface: v2 problem+json (`about:blank` with the reason phrase, as X sends for
 * 401/403/429/5xx; `invalid-request` for 400), v1.1 `{"errors":[{"code","message"}]}` with X's code for the status.
 *
 * @internal
 */
export const defaultErrorBody = (
  status: number,
  api: ApiSurface
): { readonly body: unknown; readonly contentType: string } => {
  if (api === "v1.1") {
    const entry = v1Codes[status] ?? (status >= 500 ? v1Codes[500]! : { code: 131, message: "Internal error" })
    return { body: { errors: [entry] }, contentType: "application/json; charset=utf-8" }
  }
  if (status === 400) {
    return {
      body: {
        errors: [{ parameters: {}, message: "Injected fault: invalid request." }],
        title: "Invalid Request",
        detail: "One or more parameters to your request was invalid.",
        type: `${PROBLEM_PREFIX}invalid-request`
      },
      contentType: "application/problem+json"
    }
  }
  const title = reasonPhrases[status] ?? (status >= 500 ? "Internal Server Error" : "Bad Request")
  return { body: { title, detail: title, type: "about:blank", status }, contentType: "application/problem+json" }
}

/**
 * X's usage-capped 429 body (observed; research §7.3).
 *
 * @internal
 */
export const usageCappedBody = (period: "Daily" | "Monthly" = "Monthly", scope: "Account" | "Product" = "Product") => ({
  title: "UsageCapExceeded",
  detail: `Usage cap exceeded: ${period === "Monthly" ? "Monthly" : "Daily"} ${scope === "Product" ? "product" : "account"} cap`,
  type: `${PROBLEM_PREFIX}usage-capped`,
  period,
  scope
})

/** The `processing_info.error` a `processingFailure` fault injects (defaults: the v1.1 STATUS docs example, code 1 InvalidMedia "Unsupported video format"). @internal */
export const processingError = (action: Extract<FaultAction, { kind: "processingFailure" }>) => ({
  code: action.code ?? 1,
  name: action.name ?? "InvalidMedia",
  message: action.message ?? "Unsupported video format"
})

/** The processing outcome a `processingFailure` fault forces: its error, reported as `failed` or `in_progress`. @internal */
export const injectedFailure = (action: Extract<FaultAction, { kind: "processingFailure" }>): FailedOutcome => ({
  state: "failed",
  error: processingError(action),
  ...(action.state === "in_progress" ? { reportedAs: "in_progress" as const } : {})
})
