/**
 * Maps X's non-2xx responses and transport failures to the XError family (internal).
 *
 * @internal
 */
import type { HttpClientError } from "@effect/platform"
import { Option, Predicate } from "effect"
import * as RateLimit from "../RateLimit.js"
import * as XError from "../XError.js"
import { excerpt, parseJson } from "./text.js"
import * as V1Errors from "./v1Errors.js"

const str = (u: unknown): string | undefined => typeof u === "string" ? u : undefined
const num = (u: unknown): number | undefined =>
  typeof u === "number" && Number.isFinite(u) ? u : typeof u === "string" && /^\d+$/.test(u) ? Number(u) : undefined

interface Parsed {
  readonly type: string | undefined
  readonly slug: string | undefined
  readonly title: string | undefined
  readonly detail: string | undefined
  readonly code: number | undefined
  readonly items: ReadonlyArray<XError.InvalidRequestItem>
  readonly raw: Record<string, unknown> | undefined
}

/** Reads any of X's error body shapes into one record. @internal */
export const parseErrorBody = (text: string): Parsed => {
  const json = Option.getOrUndefined(parseJson(text))
  if (!Predicate.isRecord(json)) {
    const trimmed = text.trim()
    return {
      type: undefined,
      slug: undefined,
      title: undefined,
      detail: trimmed === "" ? undefined : excerpt(trimmed),
      code: undefined,
      items: [],
      raw: undefined
    }
  }
  const type = str(json.type)
  const errors = Array.isArray(json.errors) ? json.errors.filter(Predicate.isRecord) : []
  const items: Array<XError.InvalidRequestItem> = []
  let code = num(json.code)
  let v1Message: string | undefined
  for (const e of errors) {
    const message = str(e.message) ?? str(e.detail) ?? str(e.title)
    if (code === undefined && num(e.code) !== undefined) {
      code = num(e.code)
      v1Message = message
    }
    if (message !== undefined) {
      const parameters = Predicate.isRecord(e.parameters) ?
        Object.fromEntries(
          Object.entries(e.parameters).map(([k, v]) => [k, Array.isArray(v) ? v : [v]] as const)
        ) :
        undefined
      items.push(parameters === undefined ? { message } : { message, parameters })
    }
  }
  // 2.167's flat invalid-request problem: one `parameter` (and its `value`) beside `detail`, no `errors` list
  const parameter = str(json.parameter)
  if (items.length === 0 && parameter !== undefined) {
    items.push({
      message: str(json.detail) ?? `invalid ${parameter}`,
      parameters: { [parameter]: json.value === undefined ? [] : [json.value] }
    })
  }
  const detail = str(json.detail) ?? v1Message ?? str(json.message) ?? str(json.error) ??
    (items.length > 0 ? items.map((i) => i.message).join("; ") : undefined)
  return {
    type,
    slug: XError.problemSlug(type),
    title: str(json.title),
    detail,
    code,
    items,
    raw: json
  }
}

/** The request URL cannot be built or parsed: the client's `baseUrl` / `uploadBaseUrl` is wrong. @internal */
export const invalidBaseUrl = (endpoint: string, cause = ""): XError.InvalidInput =>
  new XError.InvalidInput({
    endpoint,
    field: "baseUrl",
    message: `the request URL is not valid${cause}; check the client's baseUrl (and uploadBaseUrl), e.g. ` +
      `"https://api.x.com"`
  })

/** Builds the typed error for a non-2xx response. @internal */
export const fromResponse = (
  endpoint: string,
  status: number,
  headers: Readonly<Record<string, string | undefined>>,
  text: string,
  now: number
): XError.HttpFailure => {
  const p = parseErrorBody(text)
  const problem = {
    endpoint,
    status,
    ...(p.title === undefined ? {} : { title: p.title }),
    ...(p.detail === undefined ? {} : { detail: p.detail }),
    ...(p.type === undefined ? {} : { type: p.type })
  }
  const slug = p.slug
  if (slug === "usage-capped") {
    return new XError.UsageCapped({
      ...problem,
      period: str(p.raw?.period),
      scope: str(p.raw?.scope)
    })
  }
  if (status === 429 || slug === "rate-limit-exceeded" || p.code === 88) {
    const info = RateLimit.fromHeaders(endpoint, headers, now)
    const i = Option.getOrUndefined(info)
    const resetAt = i === undefined ? undefined : RateLimit.resetInstant(i)
    return new XError.RateLimited({
      endpoint,
      status,
      resetAt,
      limit: i?.limit,
      remaining: i?.remaining,
      appDay: i?.appDay,
      userDay: i?.userDay,
      detail: p.detail
    })
  }
  switch (slug) {
    case "invalid-request":
      return new XError.InvalidRequest({ ...problem, errors: p.items })
    case "resource-not-found":
      return new XError.NotFound(problem)
    case "not-authorized-for-resource":
      return new XError.NotAuthorizedForResource(problem)
    case "client-forbidden":
      return new XError.ClientForbidden({
        ...problem,
        reason: str(p.raw?.reason),
        requiredEnrollment: str(p.raw?.required_enrollment),
        registrationUrl: str(p.raw?.registration_url)
      })
    case "unsupported-authentication":
      return new XError.UnsupportedAuthentication(problem)
  }
  // a v1.1-style body (`{errors:[{code,message}]}`, `{code,message}`) on a v2 URL: X's codes mean the same there,
  // so the same table decides (code 38 is InvalidRequest, 89 Unauthorized, ... on either generation)
  if (p.code !== undefined && slug === undefined) {
    return V1Errors.fromResponse({ endpoint, status, headers, body: text, now, json: Option.some(p.raw) })
  }
  if (status === 401) return new XError.Unauthorized({ ...problem, code: p.code })
  if (status === 404) return new XError.NotFound(problem)
  if (status === 403) return new XError.Forbidden({ ...problem, code: p.code })
  if (status >= 500) {
    return new XError.ServerError({ ...problem, body: p.raw === undefined && text !== "" ? excerpt(text) : undefined })
  }
  if (p.code !== undefined) {
    return new XError.ApiError({ endpoint, status, code: p.code, detail: p.detail ?? "" })
  }
  if (status === 400) return new XError.InvalidRequest({ ...problem, errors: p.items })
  return new XError.ApiError({ endpoint, status, detail: p.detail ?? p.title ?? `HTTP ${status}` })
}

const codeOf = (u: unknown, depth = 0): { code?: string; name?: string } => {
  if (depth > 5 || !Predicate.isRecord(u) && !(u instanceof Error)) return {}
  const r = u as Record<string, unknown>
  const code = str(r.code)
  if (code !== undefined && /^[A-Z_]+$/.test(code)) return { code }
  const inner = codeOf(r.cause, depth + 1)
  if (inner.code !== undefined) return inner
  const name = str(r.name)
  return name === "AbortError" || name === "TimeoutError" ? { name } : inner
}

/**
 * Classifies a transport failure; `sent` is false only when X certainly never saw the request. A request that could
 * not even be built (an invalid URL, a body that cannot be encoded) is `InvalidInput`: retrying cannot help. @internal
 */
export const fromRequestError = (
  endpoint: string,
  error: HttpClientError.HttpClientError
): XError.Transport | XError.InvalidInput => {
  if (error._tag === "RequestError" && error.reason !== "Transport") {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ""
    return error.reason === "InvalidUrl"
      ? invalidBaseUrl(endpoint, cause)
      : new XError.InvalidInput({
        endpoint,
        field: "body",
        message: `the request body could not be encoded${cause}; check the values passed to ${endpoint}`
      })
  }
  const { code, name } = codeOf(error.cause)
  const description = code ?? name ?? (error.cause instanceof Error ? error.cause.message : undefined)
  const make = (reason: XError.TransportReason, sent: boolean) =>
    new XError.Transport({ endpoint, reason, sent, ...(description === undefined ? {} : { description }) })
  switch (code) {
    case "ECONNREFUSED":
      return make("ConnectionRefused", false)
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "ENETUNREACH":
    case "EHOSTUNREACH":
      return make("Network", false)
    case "UND_ERR_CONNECT_TIMEOUT":
      return make("Timeout", false)
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
    case "ECONNABORTED":
      return make("ConnectionReset", true)
    case "ETIMEDOUT":
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
      return make("Timeout", true)
  }
  if (name !== undefined) return make("Timeout", true)
  return make("Network", true)
}

/**
 * Classifies a response body that could not be read to its end: a timeout when its cause says so (a transport that
 * enforces the request deadline ends a stalled body with a `TimeoutError`), otherwise a body cut off. @internal
 */
export const fromBodyError = (endpoint: string, error: HttpClientError.HttpClientError): XError.Transport => {
  const classified = fromRequestError(endpoint, error)
  return classified._tag === "Transport" && classified.reason === "Timeout"
    ? classified
    : new XError.Transport({
      endpoint,
      reason: "ConnectionReset",
      sent: true,
      description: "the response body was cut off"
    })
}
