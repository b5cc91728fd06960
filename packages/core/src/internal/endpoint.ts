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
import { Clock, Duration, Effect, Either, FiberRef, Option, ParseResult, Ref, Schema } from "effect"
import * as RateLimit from "../RateLimit.js"
import * as Retry from "../Retry.js"
import { XClient } from "../XClient.js"
import * as XError from "../XError.js"
import { parseJson } from "./auth.js"
import * as Deadline from "./deadline.js"
import * as Errors from "./errors.js"
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
  readonly success: Schema.Schema<A, I>
  /** The request with a path relative to the host. */
  readonly request: HttpClientRequest.HttpClientRequest
  /** `"api"` (default, `baseUrl`) or `"upload"` (`uploadBaseUrl`, v1.1). */
  readonly host?: "api" | "upload" | undefined
  /** Per-call policy. */
  readonly retry?: Retry.Policy | undefined
  /** The endpoint's own default (default `Retry.standard`). */
  readonly defaultRetry?: Retry.Policy | undefined
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

/** Picks the policy: per call > client byEndpoint > client default > endpoint default. @internal */
export const resolvePolicy = (
  client: XClient["Type"],
  definition: Pick<Definition<unknown, unknown>, "name" | "retry" | "defaultRetry" | "retryOnly">
): Retry.Policy => {
  const chosen = definition.retry ?? client.retry.byEndpoint?.[definition.name] ?? client.retry.default ??
    definition.defaultRetry ?? Retry.standard
  return definition.retryOnly ? Retry.guard(chosen, definition.retryOnly, chosen.name) : chosen
}

const issueOf = (error: ParseResult.ParseError): string => {
  const message = ParseResult.TreeFormatter.formatErrorSync(error)
  return message.length > 1000 ? `${message.slice(0, 1000)}…` : message
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

/** Decodes a 2xx body (`{}` when empty) with the endpoint schema. @internal */
export const decodeSuccess = <A, I>(
  endpoint: string,
  schema: Schema.Schema<A, I>,
  status: number,
  text: string
): Effect.Effect<A, XError.UnexpectedResponse> => {
  const json = text.trim() === "" ? Option.some<unknown>({}) : parseJson(text)
  if (Option.isNone(json)) {
    return Effect.fail(
      new XError.UnexpectedResponse({ endpoint, status, body: Errors.excerpt(text), issue: "the body is not JSON" })
    )
  }
  const decoded = decoderOf(schema)(json.value)
  return Either.isRight(decoded)
    ? Effect.succeed(decoded.right)
    : Effect.fail(
      new XError.UnexpectedResponse({ endpoint, status, body: Errors.excerpt(text), issue: issueOf(decoded.left) })
    )
}

const utf8 = new TextDecoder()

const headersOf = (response: HttpClientResponse.HttpClientResponse): Readonly<Record<string, string | undefined>> =>
  response.headers as Readonly<Record<string, string | undefined>>

/** The body as text: `arrayBuffer` + one TextDecoder (platform-node's `text` runs a fiber of its own per response). */
const bodyText = (
  endpoint: string,
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<string, XError.Transport> =>
  response.arrayBuffer.pipe(
    Effect.map((bytes) => utf8.decode(bytes)),
    Effect.mapError(() =>
      new XError.Transport({
        endpoint,
        reason: "ConnectionReset",
        sent: true,
        description: "the response body was cut off"
      })
    )
  )

const unlimited: Deadline.Deadlines = { within: (effect) => effect }

/** The client's request timeout (one watcher per client; none when the timeout is infinite). */
const deadlinesOf = weakMemo((client: XClient["Type"]): Deadline.Deadlines => {
  const ms = Duration.toMillis(Duration.decode(client.requestTimeout))
  return Number.isFinite(ms) ? Deadline.make(ms) : unlimited
})

/** Keeps `authorization` among the redacted header names even if a caller replaced the list. @internal */
export const withAuthorizationRedacted = (names: ReadonlyArray<string | RegExp>): ReadonlyArray<string | RegExp> =>
  names.some((n) => typeof n === "string" && n.toLowerCase() === "authorization") ? names : [...names, "authorization"]

/** Runs one endpoint call through the pipeline. @internal */
export const execute = <A, I>(
  definition: Definition<A, I>
): Effect.Effect<A, XError.RequestError, XClient> =>
  Effect.gen(function*() {
    const client = yield* XClient
    const policy = resolvePolicy(client, definition)
    yield* Effect.annotateCurrentSpan({
      "http.request.method": definition.method,
      "http.route": definition.route,
      "xmedia.endpoint": definition.name,
      "xmedia.retry_policy": policy.name,
      ...(definition.mediaId === undefined ? {} : { "xmedia.media_id": definition.mediaId })
    })
    const baseUrl = definition.host === "upload" ? client.uploadBaseUrl : client.baseUrl
    const prepared = definition.request.pipe(
      HttpClientRequest.prependUrl(baseUrl),
      HttpClientRequest.acceptJson
    )

    const once = (allowRefresh: boolean): Effect.Effect<A, XError.RequestError> =>
      Effect.gen(function*() {
        const { generation, request } = yield* client.authorizer.authorize(prepared, {
          endpoint: definition.name,
          userContext: definition.userContext,
          formParams: definition.formParams
        })
        // the response and its whole body, within the request timeout
        const exchange = Effect.flatMap(
          Effect.mapError(client.httpClient.execute(request), (error) => Errors.fromRequestError(definition.name, error)),
          (response) => Effect.map(bodyText(definition.name, response), (text) => ({ response, text }))
        )
        const { response, text } = yield* deadlinesOf(client).within(exchange, () =>
          new XError.Transport({
            endpoint: definition.name,
            reason: "Timeout",
            sent: true,
            description: "no complete response within the request timeout"
          }))
        yield* Effect.annotateCurrentSpan("http.response.status_code", response.status)
        const now = yield* Clock.currentTimeMillis
        const headers = headersOf(response)
        const info = RateLimit.fromHeaders(definition.name, headers, now)
        if (Option.isSome(info)) {
          yield* Ref.update(client.rateLimits, (map) => new Map(map).set(definition.name, info.value))
          if (client.onRateLimit) yield* client.onRateLimit(info.value)
        }
        if (response.status === 401 && allowRefresh) {
          const refreshed = yield* client.authorizer.refresh(generation)
          if (refreshed) return yield* once(false)
        }
        if (response.status >= 200 && response.status < 300) {
          return yield* decodeSuccess(definition.name, definition.success, response.status, text)
        }
        const custom = definition.mapError?.({ status: response.status, headers, text, now })
        const failure: XError.HttpFailure = custom !== undefined && Option.isSome(custom)
          ? custom.value
          : Errors.fromResponse(definition.name, response.status, headers, text, now)
        return yield* failure
      })

    // `Retry.none` never retries: skip the retry driver (one less schedule per call, e.g. every upload segment,
    // which the uploader retries itself).
    const attempts = policy === Retry.none ? once(true) : Effect.retry(once(true), policy.schedule)
    // Set the redaction list only when it lacks `authorization` (the default has it): every `locally` copies the
    // fiber's refs twice, and each upload segment is a call.
    const redacted = yield* FiberRef.get(Headers.currentRedactedNames)
    const names = withAuthorizationRedacted(redacted)
    return yield* names === redacted ? attempts : Effect.locally(attempts, Headers.currentRedactedNames, names)
  })

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
      const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
      const path = issue ? issue.path.map(String).join(".") : ""
      return new XError.InvalidInput({
        endpoint,
        field: [field, path].filter((s) => s !== undefined && s !== "").join(".") || (field ?? "input"),
        message: issue ? issue.message : ParseResult.TreeFormatter.formatErrorSync(error)
      })
    })
  )

/** Fails with `InvalidInput` unless `ok`. @internal */
export const require = (
  ok: boolean,
  endpoint: string,
  field: string,
  message: string
): Effect.Effect<void, XError.InvalidInput> =>
  ok ? Effect.void : Effect.fail(new XError.InvalidInput({ endpoint, field, message }))
