/**
 * The request pipeline shared by every endpoint (internal; `MediaV1` reuses it with its own host and decoders).
 *
 * One attempt: prefix the base URL, accept JSON, authorize, execute with a timeout, record rate-limit headers,
 * refresh the token once on a 401, decode a 2xx with the endpoint schema (mismatch: `UnexpectedResponse`) or map
 * the error body to the XError family. Attempts are retried by the resolved `Retry.Policy`.
 *
 * @internal
 */
import type { HttpClientResponse } from "@effect/platform"
import { Headers, HttpClientRequest } from "@effect/platform"
import {
  Context,
  Effect,
  Either,
  Option,
  ParseResult,
  Predicate,
  Ref,
  Schema,
  type Scope,
  type Tracer
} from "effect"
import * as RateLimit from "../RateLimit.js"
import * as Retry from "../Retry.js"
import { XClient } from "../XClient.js"
import * as XError from "../XError.js"
import { excerpt, parseJson } from "./text.js"
import * as Deadline from "./deadline.js"
import * as Errors from "./errors.js"
import { clockOf } from "./fiberClock.js"
import { weakMemo } from "./weakMemo.js"

/** @internal */
export type XClientTag = XClient

/** What an endpoint function tells the pipeline. @internal */
export interface Definition<A, I> {
  /** Function name, also the span name and the `byEndpoint` key: `"MediaUpload.append"`. */
  readonly name: string
  readonly method: string
  /** Route template for spans: `"/2/media/upload/{id}/append"`. */
  readonly route: string
  readonly userContext: boolean
  readonly mediaId?: string | undefined
  /** Set on calls about one media key (span attribute `xmedia.media_key`). */
  readonly mediaKey?: string | undefined
  readonly success: Schema.Schema<A, I>
  /** The request with a path relative to the host. */
  readonly request: HttpClientRequest.HttpClientRequest
  /** `"api"` (default, `baseUrl`) or `"upload"` (`uploadBaseUrl`, v1.1). */
  readonly host?: "api" | "upload" | undefined
  /** Per-call policy. */
  readonly retry?: Retry.Policy | undefined
  /** The endpoint's own default (default `Retry.standard`). */
  readonly defaultRetry?: Retry.Policy | undefined
  /**
   * `false` for a call that a blind retry could apply twice (a one-shot upload creates a media id each time): the
   * client's `retry.default` does not replace `defaultRetry` (per call and the client's `byEndpoint` still do).
   */
  readonly clientDefaultApplies?: boolean | undefined
  /** Restricts whatever policy applies to these failures (e.g. `Posts.create`). */
  readonly retryOnly?: ((error: XError.XError) => boolean) | undefined
  /** Overrides the error mapping of non-2xx responses (v1.1 bodies). */
  readonly mapError?:
    | ((context: {
      readonly status: number
      readonly headers: Readonly<Record<string, string | undefined>>
      readonly text: string
      readonly now: number
    }) => Option.Option<XError.HttpFailure>)
    | undefined
  /** Form parameters that take part in an OAuth 1.0a signature. */
  readonly formParams?: ReadonlyArray<readonly [string, string]> | undefined
}

/**
 * Picks the policy: per call > client byEndpoint > client default (unless `clientDefaultApplies` is `false`) >
 * endpoint default. @internal
 */
export const resolvePolicy = (
  client: XClient["Type"],
  definition: Pick<
    Definition<unknown, unknown>,
    "name" | "retry" | "defaultRetry" | "clientDefaultApplies" | "retryOnly"
  >
): Retry.Policy => {
  const clientDefault = definition.clientDefaultApplies === false ? undefined : client.retry.default
  const chosen = definition.retry ?? client.retry.byEndpoint?.[definition.name] ?? clientDefault ??
    definition.defaultRetry ?? Retry.standard
  return definition.retryOnly ? Retry.guard(chosen, definition.retryOnly, chosen.name) : chosen
}

/** The first failing place of a decode, with its path (`at data.id: Expected ..., actual 42`), at most 300 chars. */
const issueOf = (error: ParseResult.ParseError): string => {
  const first = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  const message = first === undefined
    ? ParseResult.TreeFormatter.formatErrorSync(error)
    : first.path.length > 0
    ? `at ${first.path.map(String).join(".")}: ${first.message}`
    : first.message
  return message.length > 300 ? `${message.slice(0, 300)}…` : message
}

/**
 * A 2xx body with no `data` and only X's problem list (`{"errors":[{"type":".../resource-not-found",...}]}`): X's
 * answer to a single lookup of an id that does not exist or may not be seen. The first problem becomes its typed
 * error (`NotFound`, `NotAuthorizedForResource`, ...), as it would on a non-2xx.
 */
const problemOnly = (endpoint: string, status: number, json: unknown): XError.HttpFailure | undefined => {
  if (!Predicate.isRecord(json) || json.data !== undefined || !Array.isArray(json.errors)) return undefined
  const first: unknown = json.errors[0]
  if (!Predicate.isRecord(first) || typeof first.type !== "string") return undefined
  return Errors.fromResponse(endpoint, status, {}, JSON.stringify(first), 0)
}

const decoderFor = weakMemo((schema: Schema.Schema.Any) =>
  Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)
)

/**
 * The schema's synchronous decoder, built once per schema (building one per response was a measurable part of
 * each call; response schemas have no effectful transformations, so decoding needs no fiber work).
 */
const decoderOf = <A, I>(schema: Schema.Schema<A, I>): (u: unknown) => Either.Either<A, ParseResult.ParseError> =>
  decoderFor(schema) as (u: unknown) => Either.Either<A, ParseResult.ParseError>

/**
 * Decodes a 2xx body (`{}` when empty) with the endpoint schema. A body that does not match is
 * `UnexpectedResponse`, unless it is only X's problem list (a lookup of a missing id), which becomes its typed error.
 * @internal
 */
export const decodeSuccess = <A, I>(
  endpoint: string,
  schema: Schema.Schema<A, I>,
  status: number,
  text: string,
  problems = true
): Effect.Effect<A, XError.UnexpectedResponse | XError.HttpFailure> => {
  const json = text.trim() === "" ? Option.some<unknown>({}) : parseJson(text)
  if (Option.isNone(json)) {
    return Effect.fail(
      new XError.UnexpectedResponse({ endpoint, status, body: excerpt(text), issue: "the body is not JSON" })
    )
  }
  const decoded = decoderOf(schema)(json.value)
  if (Either.isRight(decoded)) return Effect.succeed(decoded.right)
  return Effect.fail(
    (problems ? problemOnly(endpoint, status, json.value) : undefined) ??
      new XError.UnexpectedResponse({ endpoint, status, body: excerpt(text), issue: issueOf(decoded.left) })
  )
}

const utf8 = new TextDecoder()

const headersOf = (response: HttpClientResponse.HttpClientResponse): Readonly<Record<string, string | undefined>> =>
  response.headers as Readonly<Record<string, string | undefined>>

interface Exchange {
  readonly response: HttpClientResponse.HttpClientResponse
  readonly text: string
}

/**
 * Sends the request and reads the whole body as text (`arrayBuffer` + one TextDecoder: platform-node's `text` runs a
 * fiber of its own per response).
 */
const exchange = (
  client: XClient["Type"],
  endpoint: string,
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<Exchange, XError.RequestError> =>
  Effect.matchEffect(client.httpClient.execute(request), {
    onFailure: (error) => Effect.fail(Errors.fromRequestError(endpoint, error)),
    onSuccess: (response) =>
      Effect.matchEffect(response.arrayBuffer, {
        onFailure: (error) => Effect.fail(Errors.fromBodyError(endpoint, error)),
        onSuccess: (bytes) => Effect.succeed({ response, text: utf8.decode(bytes) })
      })
  })

const unlimited: Deadline.Deadlines = { within: (effect) => effect, hold: Effect.void }

/**
 * What the pipeline derives once per client from its request timeout: the deadlines (one watcher per client; none
 * when the timeout is infinite, or when the transport enforces it: `XClient.TransportDeadlines`), and the problem of
 * a timeout that is not a positive duration (0, negative, NaN, a string that is no duration: every attempt would
 * time out at once), which fails every call with `InvalidInput`.
 */
const timeoutsOf = weakMemo((client: XClient["Type"]): {
  readonly deadlines: Deadline.Deadlines
  readonly problem: string | undefined
} => {
  const ms = Deadline.millisOf(client.requestTimeout)
  if (!(ms > 0)) {
    return {
      deadlines: unlimited,
      problem: `requestTimeout must be a positive duration, e.g. "30 seconds" (Duration.infinity for none), got ` +
        `${JSON.stringify(String(client.requestTimeout))}`
    }
  }
  const deadlines = client.requestTimeoutByTransport || !Number.isFinite(ms) ? unlimited : Deadline.make(ms)
  return { deadlines, problem: undefined }
})

/**
 * Keeps the client's request-timeout watcher running until the scope closes, instead of stopping it whenever no
 * request is in flight (an upload's segments leave such gaps between them). @internal
 */
export const holdTimeouts: Effect.Effect<void, never, XClient | Scope.Scope> = Effect.flatMap(
  XClient,
  (client) => timeoutsOf(client).deadlines.hold
)

/** Keeps `authorization` among the redacted header names even if a caller replaced the list. @internal */
export const withAuthorizationRedacted = (names: ReadonlyArray<string | RegExp>): ReadonlyArray<string | RegExp> =>
  names.some((n) => typeof n === "string" && n.toLowerCase() === "authorization") ? names : [...names, "authorization"]

/** Sets an attribute on `span` when it is one of Effect's spans (what `Effect.annotateCurrentSpan` does). */
const annotate = (span: Tracer.AnySpan | undefined, key: string, value: unknown): void => {
  if (span !== undefined && span._tag === "Span") span.attribute(key, value)
}

/**
 * Runs one endpoint call through the pipeline.
 *
 * Written as one `withFiberRuntime` step and plain `flatMap`s rather than generators: every upload segment is a call,
 * and each runtime step is CPU the upload does not spend sending bytes (docs/upload-performance.md). The client, the
 * span, the clock and the redaction list are read from the running fiber, as `XClient`, `annotateCurrentSpan`,
 * `Clock.currentTimeMillis` and `FiberRef.get` would read them.
 *
 * @internal
 */
export const execute = <A, I>(
  definition: Definition<A, I>
): Effect.Effect<A, XError.RequestError, XClient> =>
  Effect.withFiberRuntime<A, XError.RequestError, XClient>((fiber) => {
    const client = Context.unsafeGet(fiber.currentContext as Context.Context<XClient>, XClient)
    const timeouts = timeoutsOf(client)
    if (timeouts.problem !== undefined) {
      return Effect.fail(
        new XError.InvalidInput({ endpoint: definition.name, field: "requestTimeout", message: timeouts.problem })
      )
    }
    const policy = resolvePolicy(client, definition)
    const span = fiber.currentSpan
    annotate(span, "http.request.method", definition.method)
    annotate(span, "http.route", definition.route)
    annotate(span, "xmedia.endpoint", definition.name)
    annotate(span, "xmedia.retry_policy", policy.name)
    if (definition.mediaId !== undefined) annotate(span, "xmedia.media_id", definition.mediaId)
    if (definition.mediaKey !== undefined) annotate(span, "xmedia.media_key", definition.mediaKey)
    const baseUrl = definition.host === "upload" ? client.uploadBaseUrl : client.baseUrl
    const prepared = definition.request.pipe(
      HttpClientRequest.prependUrl(baseUrl),
      HttpClientRequest.acceptJson
    )
    const deadlines = timeouts.deadlines
    const authContext = {
      endpoint: definition.name,
      userContext: definition.userContext,
      formParams: definition.formParams
    }
    const timedOut = () =>
      new XError.Transport({
        endpoint: definition.name,
        reason: "Timeout",
        sent: true,
        description: "no complete response within the request timeout"
      })

    /** A 2xx decoded with the endpoint schema, anything else mapped to the XError family. */
    const outcome = ({ response, text }: Exchange, now: number): Effect.Effect<A, XError.RequestError> => {
      if (response.status >= 200 && response.status < 300) {
        // a 2xx holding only X's problem list is read as its error on v2 reads only: a write answered 2xx may have
        // been applied (Posts.create makes an undecodable 2xx PostMayExist), and v1.1 never sends v2 problems
        return decodeSuccess(
          definition.name,
          definition.success,
          response.status,
          text,
          definition.mapError === undefined && definition.method === "GET"
        )
      }
      const headers = headersOf(response)
      const custom = definition.mapError?.({ status: response.status, headers, text, now })
      return Effect.fail(
        custom !== undefined && Option.isSome(custom)
          ? custom.value
          : Errors.fromResponse(definition.name, response.status, headers, text, now)
      )
    }

    /** Records rate-limit headers, refreshes the token once on a 401, then decodes. */
    const answer = (
      exchanged: Exchange,
      generation: number,
      allowRefresh: boolean
    ): Effect.Effect<A, XError.RequestError> => {
      const status = exchanged.response.status
      annotate(span, "http.response.status_code", status)
      const now = clockOf(fiber).unsafeCurrentTimeMillis()
      const afterRefresh: Effect.Effect<A, XError.RequestError> = status === 401 && allowRefresh
        ? Effect.flatMap(
          client.authorizer.refresh(generation),
          (refreshed) => refreshed ? once(false) : outcome(exchanged, now)
        )
        : outcome(exchanged, now)
      const info = RateLimit.fromHeaders(definition.name, headersOf(exchanged.response), now)
      if (Option.isNone(info)) return afterRefresh
      const recorded = Ref.update(client.rateLimits, (map) => new Map(map).set(definition.name, info.value))
      return Effect.zipRight(
        client.onRateLimit ? Effect.zipRight(recorded, client.onRateLimit(info.value)) : recorded,
        afterRefresh
      )
    }

    /** One attempt: authorize, then the response and its whole body within the request timeout. */
    const once = (allowRefresh: boolean): Effect.Effect<A, XError.RequestError> =>
      Effect.flatMap(
        client.authorizer.authorize(prepared, authContext),
        ({ generation, request }) =>
          Effect.flatMap(
            deadlines.within(exchange(client, definition.name, request), timedOut),
            (exchanged) => answer(exchanged, generation, allowRefresh)
          )
      )

    // `Retry.none` never retries: skip the retry driver (one less schedule per call, e.g. every upload segment,
    // which the uploader retries itself).
    const attempts = policy === Retry.none ? once(true) : Effect.retry(once(true), policy.schedule)
    // Set the redaction list only when it lacks `authorization` (the default has it): every `locally` copies the
    // fiber's refs twice, and each upload segment is a call.
    const redacted = fiber.getFiberRef(Headers.currentRedactedNames)
    const names = withAuthorizationRedacted(redacted)
    return names === redacted ? attempts : Effect.locally(attempts, Headers.currentRedactedNames, names)
  })

/**
 * `execute` for an endpoint that needs no user (`userContext: false`): only a user-context call can be refused with
 * `AppOnlyNotAllowed` (every authorizer in internal/auth.ts and OAuth1.ts), so the type says it cannot come out.
 *
 * @internal
 */
export const executeRead = <A, I>(
  definition: Definition<A, I> & { readonly userContext: false }
): Effect.Effect<A, XError.ReadError, XClient> => execute(definition) as Effect.Effect<A, XError.ReadError, XClient>

/**
 * `execute` for a v1.1 endpoint (its own error mapper, `internal/v1Upload.ts`, always answers): the mapper builds
 * only v1.1's errors, OAuth 2.0 never reaches v1.1 (refused before) so no token refresh happens, and v2 problem
 * lists are not read; the type says so (`XError.V1RequestError`).
 *
 * @internal
 */
export const executeV1 = <A, I>(
  definition: Definition<A, I> & { readonly mapError: NonNullable<Definition<A, I>["mapError"]> }
): Effect.Effect<A, XError.V1RequestError, XClient> =>
  execute(definition) as Effect.Effect<A, XError.V1RequestError, XClient>

/**
 * Validates input with a schema before any network call; the first issue becomes `XError.InvalidInput` naming the
 * field and what to fix.
 *
 * @internal
 */
export const validate = <A, I>(
  endpoint: string,
  schema: Schema.Schema<A, I>,
  input: unknown,
  field?: string
): Effect.Effect<A, XError.InvalidInput> =>
  Schema.decodeUnknown(schema, { errors: "first", onExcessProperty: "error" })(input).pipe(
    Effect.mapError((error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
      const issue = issues[0]
      const path = issue ? issue.path.map(String).join(".") : ""
      return new XError.InvalidInput({
        endpoint,
        field: [field, path].filter((s) => s !== undefined && s !== "").join(".") || (field ?? "input"),
        message: issue ? unionMessage(issues, issue) ?? issue.message : ParseResult.TreeFormatter.formatErrorSync(error)
      })
    })
  )

const expectedActual = /^Expected (.+), actual (.+)$/s

/**
 * One message for a value that matched none of a union's members (a category, a media type, a field name): the
 * formatter reports one "Expected A, actual x" per member; the user needs all of them at once. `undefined` (an
 * optional field) becomes "or leave it out".
 */
const unionMessage = (
  issues: ReadonlyArray<ParseResult.ArrayFormatterIssue>,
  first: ParseResult.ArrayFormatterIssue
): string | undefined => {
  const key = first.path.map(String).join("\u0000")
  const expected: Array<string> = []
  let actual: string | undefined
  for (const i of issues) {
    if (i._tag !== "Type" || i.path.map(String).join("\u0000") !== key) continue
    const m = expectedActual.exec(i.message)
    if (m === null) return undefined
    if (!expected.includes(m[1]!)) expected.push(m[1]!)
    actual = m[2]
  }
  const allowed = expected.filter((e) => e !== "undefined")
  if (allowed.length < 2 || actual === undefined) return undefined
  const optional = allowed.length < expected.length ? " (or leave it out)" : ""
  return `expected one of ${allowed.join(", ")}${optional}; got ${actual}`
}

/** Fails with `InvalidInput` unless `ok`. @internal */
export const require = (
  ok: boolean,
  endpoint: string,
  field: string,
  message: string
): Effect.Effect<void, XError.InvalidInput> =>
  ok ? Effect.void : Effect.fail(new XError.InvalidInput({ endpoint, field, message }))
