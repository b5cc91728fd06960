/**
 * The route table type and its matcher. Routing happens first in the pipeline, so every later stage (journal,
 * faults, auth, rate limits) knows the operation.
 *
 * @internal
 */
import type { FileSystem, HttpServerRequest, HttpServerResponse, Path } from "@effect/platform"
import type { Effect } from "effect"
import type { AuthRequirement, AuthResult } from "../auth.js"
import type { ServerSettings, Settings } from "../config.js"
import type { ApiSurface, RequestInfo } from "../context.js"
import type { State } from "../state/State.js"
import type { HttpFailure } from "./respond.js"

/** What a handler receives. @internal */
export interface HandlerContext {
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly auth: AuthResult
}

/** The services a handler may use. @internal */
export type HandlerR =
  | State
  | Settings
  | RequestInfo
  | FileSystem.FileSystem
  | Path.Path
  | HttpServerRequest.HttpServerRequest

/** A route handler. @internal */
export type Handler = (
  ctx: HandlerContext
) => Effect.Effect<HttpServerResponse.HttpServerResponse, HttpFailure, HandlerR>

/** One route. @internal */
export interface Route {
  readonly method: "GET" | "POST" | "DELETE"
  /** Template with `:name` segments, e.g. `/2/media/upload/:id/append`. */
  readonly path: string
  /** Operation name; `operationFor` refines it from the query (command forms). */
  readonly operation: string
  readonly operationFor?: (query: URLSearchParams) => string
  /**
   * Command-form routes whose `command` and `media_id` may be in the body (url-encoded form or multipart fields):
   * how to name the operation from the query and body fields, and the form size limit the handler reads with. The
   * fault stage peeks at those fields (never at upload bytes) so rules can match by media id and operation before
   * the handler runs.
   */
  readonly bodyFields?: {
    readonly operationFor: (fields: URLSearchParams) => string
    readonly formLimit: (settings: ServerSettings) => number
  }
  readonly api: ApiSurface
  readonly auth: AuthRequirement
  readonly handler: Handler
}

/** A matched route with its path parameters. @internal */
export interface Match {
  readonly route: Route
  readonly params: Readonly<Record<string, string>>
}

const matchPath = (template: string, path: string): Record<string, string> | undefined => {
  const t = template.split("/")
  const p = path.split("/")
  if (t.length !== p.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!
    if (seg.startsWith(":")) {
      if (p[i] === "") return undefined
      params[seg.slice(1)] = decodeURIComponent(p[i]!)
    } else if (seg !== p[i]) return undefined
  }
  return params
}

/**
 * Finds the route for `method` and `path`. `methodMismatch` is true when the path exists with another method.
 *
 * @internal
 */
export const match = (
  routes: ReadonlyArray<Route>,
  method: string,
  path: string
): { readonly match?: Match | undefined; readonly methodMismatch: boolean } => {
  let methodMismatch = false
  const normalized = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path
  for (const route of routes) {
    const params = matchPath(route.path, normalized)
    if (params === undefined) continue
    if (route.method !== method) {
      methodMismatch = true
      continue
    }
    return { match: { route, params }, methodMismatch }
  }
  return { methodMismatch }
}
