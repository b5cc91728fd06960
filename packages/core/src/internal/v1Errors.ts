/**
 * v1.1 error bodies mapped onto the XError family.
 *
 * Shapes: `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}` (the usual one), `{"code":38,"message":...}`,
 * the old `{"request":"/1.1/media/upload.json","error":"not recognized."}`, and non-JSON bodies. X's codes decide
 * the class when they are known (research §8.2); otherwise the HTTP status does.
 *
 * @internal
 */
import { Option, Schema } from "effect"
import * as RateLimit from "../RateLimit.js"
import * as XError from "../XError.js"
import { excerpt, parseJson } from "./text.js"

/** One `{code, message}` entry of a v1.1 `errors` list. */
export const V1ErrorItem = Schema.Struct({ code: Schema.Number, message: Schema.String })
/** One `{code, message}` entry, decoded. */
export type V1ErrorItem = typeof V1ErrorItem.Type

/** `{"errors":[{code,message}, ...]}` */
export const V1ErrorsBody = Schema.Struct({ errors: Schema.NonEmptyArray(V1ErrorItem) })
/** `{"code":38,"message":"..."}` */
export const V1CodeBody = Schema.Struct({ code: Schema.Number, message: Schema.String })
/** `{"request":"/1.1/media/upload.json","error":"not recognized."}` */
export const V1RequestErrorBody = Schema.Struct({ request: Schema.optional(Schema.String), error: Schema.String })

const decodeErrors = Schema.decodeUnknownOption(V1ErrorsBody)
const decodeCode = Schema.decodeUnknownOption(V1CodeBody)
const decodeRequestError = Schema.decodeUnknownOption(V1RequestErrorBody)

/** The codes of X's v1.1 table that concern credentials (the client should fix or re-issue them). */
const AUTH_CODES = new Set([32, 89, 99, 135, 215])
/** Codes that say the app or account may not do this. */
const FORBIDDEN_CODES = new Set([64, 220, 261, 326])
/** Codes that name a bad parameter or media id. */
const INVALID_CODES = new Set([38, 44, 186, 187, 323, 324, 386])

/** Reads the `{code, message}` list out of any v1.1 error body (parsed); empty for a body that has none. */
const itemsOf = (json: Option.Option<unknown>): ReadonlyArray<V1ErrorItem> => {
  if (Option.isNone(json)) return []
  const list = decodeErrors(json.value)
  if (Option.isSome(list)) return list.value.errors
  const single = decodeCode(json.value)
  if (Option.isSome(single)) return [single.value]
  return []
}


/**
 * Maps a non-2xx v1.1 response to an XError. `headers` are the lower-case response headers (for 429 reset
 * instants), `now` the Clock's epoch milliseconds.
 */
export const fromResponse = (options: {
  readonly endpoint: string
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
  readonly now: number
  /** The body already parsed as JSON, when the caller has parsed it (saves parsing it again). */
  readonly json?: Option.Option<unknown>
}): XError.HttpFailure => {
  const { body, endpoint, status } = options
  const json = options.json ?? parseJson(body)
  const items = itemsOf(json)
  const legacy = Option.flatMap(json, decodeRequestError)
  const detail = items.length > 0
    ? items.map((item) => `${item.message} (code ${item.code})`).join("; ")
    : Option.isSome(legacy)
    ? legacy.value.error
    : body.trim().length > 0
    ? excerpt(body.trim())
    : `HTTP ${status} with no body`
  const code = items[0]?.code

  const rateLimited = () => {
    const info = RateLimit.fromHeaders(endpoint, options.headers, options.now)
    const resetAt = Option.match(info, { onNone: () => undefined, onSome: RateLimit.resetInstant })
    return new XError.RateLimited({
      endpoint,
      status,
      detail,
      ...(resetAt === undefined ? {} : { resetAt }),
      ...Option.match(info, {
        onNone: () => ({}),
        onSome: (i) => ({
          ...(i.limit === undefined ? {} : { limit: i.limit }),
          ...(i.remaining === undefined ? {} : { remaining: i.remaining }),
          ...(i.appDay === undefined ? {} : { appDay: i.appDay }),
          ...(i.userDay === undefined ? {} : { userDay: i.userDay })
        })
      })
    })
  }
  const common = { endpoint, status, detail, ...(items.length > 0 ? { title: items[0]!.message } : {}) }
  const withCode = code === undefined ? {} : { code }

  if (code !== undefined) {
    if (code === 88 || status === 429) return rateLimited()
    if (AUTH_CODES.has(code)) return new XError.Unauthorized({ ...common, ...withCode })
    if (FORBIDDEN_CODES.has(code)) return new XError.Forbidden({ ...common, ...withCode })
    if (code === 325) return new XError.NotFound(common)
    if (INVALID_CODES.has(code)) {
      return new XError.InvalidRequest({
        ...common,
        errors: items.map((item) => ({ message: `${item.message} (code ${item.code})` }))
      })
    }
    if (code === 130 || code === 131) return new XError.ServerError({ ...common, body: excerpt(body) })
  }
  if (status === 429) return rateLimited()
  if (status === 401) return new XError.Unauthorized({ ...common, ...withCode })
  if (status === 403) return new XError.Forbidden({ ...common, ...withCode })
  if (status === 404) return new XError.NotFound(common)
  if (status >= 500) return new XError.ServerError({ ...common, body: excerpt(body) })
  if (status === 400 && (Option.isSome(legacy) || items.length > 0)) {
    return new XError.InvalidRequest({
      ...common,
      errors: items.length > 0
        ? items.map((item) => ({ message: `${item.message} (code ${item.code})` }))
        : [{ message: detail }]
    })
  }
  return new XError.ApiError({ endpoint, status, detail, ...withCode })
}
