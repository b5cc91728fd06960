/**
 * Validates emulator responses against X's OpenAPI document (the media subset of 2.167 shipped in
 * `packages/emulator/spec/x-api-v2-openapi.media.json`), honouring the documented allow-list in `./departures.ts`.
 *
 * JSON Schema validation is done by Ajv 8 with the options OpenAPI 3.0 needs: `nullable` is understood natively,
 * `example`, `discriminator` and other annotation keywords are ignored (`strict: false`; the `Problem` union is still
 * checked through its `oneOf` and the `type` enums), and the OpenAPI formats (`int32`, `int64`, `double`, `byte`,
 * `binary`, `date-time`) are registered.
 *
 * `strictMiddleware` turns a response that breaks the spec into a 500 naming the violation (strict mode).
 *
 * @internal
 */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv"
import { Data, Effect } from "effect"
import { readFileSync } from "node:fs"
import { departures, statusDeparture } from "./departures.js"

/** Where the shipped X spec subset lives. @internal */
export const xSpecUrl: URL = new URL("../../../spec/x-api-v2-openapi.media.json", import.meta.url)

/** The spec could not be read or compiled. @internal */
export class SpecLoadError extends Data.TaggedError("SpecLoadError")<{ readonly path: string; readonly cause: unknown }> {}

/** The response to check. @internal */
export interface ResponseToCheck {
  readonly method: string
  /** Concrete request path, e.g. `/2/media/upload/123/append`. */
  readonly path: string
  readonly status: number
  /** `content-type` header (parameters ignored); empty when there is no body. */
  readonly contentType: string
  /** Parsed JSON body; `undefined` for an empty body. */
  readonly body: unknown
}

/** The outcome of a check. @internal */
export interface Validation {
  /** `false` when the spec has no operation for the method and path (admin routes, unknown routes, v1.1). */
  readonly checked: boolean
  readonly operationId?: string | undefined
  readonly valid: boolean
  /** Human-readable violations, e.g. `/data/id: must be string`. */
  readonly violations: ReadonlyArray<string>
  /** Ids of the allow-list entries that were applied. */
  readonly departures: ReadonlyArray<string>
}

/** A response validator over one OpenAPI document. @internal */
export interface ResponseValidator {
  readonly validate: (response: ResponseToCheck) => Validation
  /** The operation matching a method and path, if any. */
  readonly operationFor: (method: string, path: string) => string | undefined
}

interface OperationEntry {
  readonly method: string
  readonly template: string
  readonly regex: RegExp
  readonly params: number
  readonly operationId: string
  readonly responses: Record<string, { readonly content?: Record<string, unknown> }>
}

type OpenApiDocument = {
  readonly paths: Record<string, Record<string, unknown>>
}

const escapePointer = (segment: string) => encodeURIComponent(segment.replace(/~/g, "~0").replace(/\//g, "~1"))

const formatError = (e: ErrorObject): string => {
  const where = e.instancePath === "" ? "/" : e.instancePath
  const extra = e.keyword === "additionalProperties"
    ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
    : e.keyword === "enum"
    ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})`
    : ""
  return `${where}: ${e.message ?? e.keyword}${extra}`
}

/**
 * OpenAPI 3.0's `nullable: true` on a schema without `type` (2.167's analytics counters: `oneOf` + `nullable`) is
 * not something Ajv's `nullable` keyword accepts. Rewrite such a schema as `anyOf: [<schema>, { type: "null" }]`,
 * which means the same thing in JSON Schema; schemas with a `type` keep Ajv's native handling.
 */
const normalizeNullable = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(normalizeNullable)
  if (typeof node !== "object" || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) out[k] = normalizeNullable(v)
  if (out["nullable"] === true && out["type"] === undefined) {
    const { nullable: _nullable, description, ...rest } = out
    return { ...(description === undefined ? {} : { description }), anyOf: [rest, { type: "null" }] }
  }
  return out
}

/**
 * Builds a validator from an OpenAPI 3.0 document (already parsed).
 *
 * @internal
 */
export const fromDocument = (document: OpenApiDocument, key = "x-spec"): ResponseValidator => {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false })
  for (const format of ["int32", "int64", "double", "float", "byte", "binary", "uri", "email", "password"]) {
    ajv.addFormat(format, true)
  }
  ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i)
  ajv.addSchema(normalizeNullable(document) as object, key)

  const operations: Array<OperationEntry> = []
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === "parameters" || typeof op !== "object" || op === null) continue
      const operation = op as { operationId?: string; responses?: OperationEntry["responses"] }
      const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")
      operations.push({
        method: method.toUpperCase(),
        template,
        regex: new RegExp(`^${pattern}$`),
        params: (template.match(/\{/g) ?? []).length,
        operationId: operation.operationId ?? `${method.toUpperCase()} ${template}`,
        responses: operation.responses ?? {}
      })
    }
  }
  // Literal paths win over templated ones (GET /2/media/upload vs GET /2/media/{media_key}).
  operations.sort((a, b) => a.params - b.params)

  const compiled = new Map<string, ValidateFunction>()
  const validatorAt = (pointer: string): ValidateFunction => {
    let v = compiled.get(pointer)
    if (v === undefined) {
      v = ajv.compile({ $ref: `${key}#${pointer}` })
      compiled.set(pointer, v)
    }
    return v
  }

  const find = (method: string, path: string) =>
    operations.find((o) => o.method === method.toUpperCase() && o.regex.test(path))

  const validate = (response: ResponseToCheck): Validation => {
    const op = find(response.method, response.path)
    if (op === undefined) return { checked: false, valid: true, violations: [], departures: [] }
    const applied: Array<string> = []
    const result = (violations: ReadonlyArray<string>): Validation => ({
      checked: true,
      operationId: op.operationId,
      valid: violations.length === 0,
      violations,
      departures: applied
    })

    let statusKey: string | undefined = op.responses[String(response.status)] !== undefined ? String(response.status) : undefined
    if (statusKey === undefined && response.status >= 200 && response.status < 300) {
      const declared = Object.keys(op.responses).find((k) => /^2\d\d$/.test(k))
      if (declared === undefined) return result([`status ${response.status} is not declared for ${op.operationId}`])
      applied.push(statusDeparture.id)
      if (response.body === undefined) return result([])
      statusKey = declared
    }
    statusKey ??= op.responses.default !== undefined ? "default" : undefined
    if (statusKey === undefined) return result([`status ${response.status} is not declared for ${op.operationId}`])
    const declared = op.responses[statusKey]!
    const content = declared.content ?? {}
    const mediaType = response.contentType.split(";")[0]!.trim().toLowerCase()
    if (Object.keys(content).length === 0) {
      return result(response.body === undefined ? [] : [`status ${response.status} of ${op.operationId} has no body in the spec`])
    }
    if (response.body === undefined) {
      return result([`status ${response.status} of ${op.operationId} must have a body (${Object.keys(content).join(", ")})`])
    }
    if (content[mediaType] === undefined) {
      // Error bodies: X sends problem+json; a JSON problem under application/json is judged as problem+json.
      return result([
        `content-type ${mediaType || "(none)"} is not documented for status ${response.status} of ${op.operationId} (documented: ${
          Object.keys(content).join(", ")
        })`
      ])
    }

    const pointer = ["", "paths", op.template, op.method.toLowerCase(), "responses", statusKey, "content", mediaType, "schema"]
      .map((s, i) => (i === 0 ? s : escapePointer(s)))
      .join("/")
    const check = validatorAt(pointer)
    let body: unknown = response.body
    const context = { operationId: op.operationId, method: op.method, status: response.status, contentType: mediaType }
    for (const departure of departures) {
      const verdict = departure.apply(context, body)
      if (verdict._tag === "Accept") {
        applied.push(departure.id)
        return result([])
      }
      if (verdict._tag === "Rewrite") {
        applied.push(departure.id)
        body = verdict.body
      }
    }
    if (check(body)) return result([])
    const errors = check.errors ?? []
    const specific = errors.filter((e) => e.keyword !== "oneOf" && e.keyword !== "anyOf")
    return result((specific.length > 0 ? specific : errors).slice(0, 8).map(formatError))
  }

  return { validate, operationFor: (method, path) => find(method, path)?.operationId }
}

/**
 * Loads a JSON document from a file URL.
 *
 * @internal
 */
export const loadDocument = (url: URL): Effect.Effect<OpenApiDocument, SpecLoadError> =>
  Effect.try({
    try: () => JSON.parse(readFileSync(url, "utf8")) as OpenApiDocument,
    catch: (cause) => new SpecLoadError({ path: url.pathname, cause })
  })

/**
 * The validator over X's shipped media subset.
 *
 * @internal
 */
export const make: Effect.Effect<ResponseValidator, SpecLoadError> = Effect.flatMap(
  loadDocument(xSpecUrl),
  (document) =>
    Effect.try({
      try: () => fromDocument(document),
      catch: (cause) => new SpecLoadError({ path: xSpecUrl.pathname, cause })
    })
)

const decoder = new TextDecoder()

const jsonBodyOf = (response: HttpServerResponse.HttpServerResponse): { readonly ok: boolean; readonly body: unknown } => {
  const body = response.body
  const text = body._tag === "Uint8Array"
    ? decoder.decode(body.body)
    : body._tag === "Raw" && typeof body.body === "string"
    ? body.body
    : body._tag === "Empty"
    ? ""
    : undefined
  if (text === undefined) return { ok: false, body: undefined }
  if (text === "") return { ok: true, body: undefined }
  try {
    return { ok: true, body: JSON.parse(text) }
  } catch {
    return { ok: true, body: text }
  }
}

/**
 * The 500 strict mode sends instead of a response that breaks the spec.
 *
 * @internal
 */
export const violationResponse = (method: string, path: string, status: number, validation: Validation) =>
  HttpServerResponse.text(
    JSON.stringify({
      title: "Internal Server Error",
      detail: `strict mode: the emulator's ${status} response to ${method} ${path} (${validation.operationId}) breaks X's OpenAPI spec: ${
        validation.violations.join("; ")
      }`,
      type: "https://api.twitter.com/2/problems/internal-error",
      status: 500
    }),
    {
      status: 500,
      contentType: "application/problem+json",
      headers: { "x-emulator-strict-violation": validation.violations[0] ?? "invalid" }
    }
  )

/**
 * Strict mode: validates each response of a spec'd operation and replaces a violating one with a 500 naming the
 * violation. Bodies that are streams are not checked.
 *
 * @example
 * const served = OpenApiValidator.strictMiddleware(validator)(app)
 * @internal
 */
export const strictMiddleware = (validator: ResponseValidator) => <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const response = yield* app
    const path = new URL(request.url, "http://emulator.local").pathname
    if (validator.operationFor(request.method, path) === undefined) return response
    const parsed = jsonBodyOf(response)
    if (!parsed.ok) return response
    const validation = validator.validate({
      method: request.method,
      path,
      status: response.status,
      contentType: response.headers["content-type"] ?? (response.body._tag === "Empty" ? "" : response.body.contentType ?? ""),
      body: parsed.body
    })
    return validation.valid ? response : violationResponse(request.method, path, response.status, validation)
  })
