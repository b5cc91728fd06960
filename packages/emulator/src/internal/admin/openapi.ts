/**
 * The admin API's OpenAPI 3.1 document, generated from the same Schemas the routes and `AdminClient` use, so it cannot
 * drift. The shipped copy `packages/emulator/spec/emulator-admin.openapi.json` is checked against it by the tests and
 * regenerated with `tsx packages/emulator/spec/generate-admin-openapi.ts`; the running emulator also serves it at
 * `GET /_emulator/openapi.json`.
 *
 * @internal
 */
import { JSONSchema, type Schema } from "effect"
import * as AdminSchema from "./schema.js"

const components: Record<string, Schema.Schema.AnyNoContext> = {
  Health: AdminSchema.Health,
  MediaView: AdminSchema.MediaView,
  MediaList: AdminSchema.MediaList,
  PostList: AdminSchema.PostList,
  RequestList: AdminSchema.RequestList,
  FaultList: AdminSchema.FaultList,
  AddFaults: AdminSchema.AddFaults,
  SetProcessing: AdminSchema.SetProcessing,
  Ack: AdminSchema.Ack,
  AdminProblem: AdminSchema.AdminProblem
}

const ref = (name: keyof typeof components & string) => ({ $ref: `#/components/schemas/${name}` })
const json = (name: keyof typeof components & string, description: string) => ({
  description,
  content: { "application/json": { schema: ref(name) } }
})
const problem = {
  description: "An admin error.",
  content: { "application/problem+json": { schema: ref("AdminProblem") } }
}
const body = (name: keyof typeof components & string) => ({
  required: true,
  content: { "application/json": { schema: ref(name) } }
})
const query = (name: string, description: string, type: "integer" | "string" | "boolean") => ({
  name,
  in: "query",
  required: false,
  description,
  schema: { type }
})

/** Effect marks `unknown` with `$id: "/schemas/unknown"`; repeated ids are invalid inside one document. */
const stripIds = (node: unknown): void => {
  if (Array.isArray(node)) node.forEach(stripIds)
  else if (typeof node === "object" && node !== null) {
    const record = node as Record<string, unknown>
    if (typeof record.$id === "string") delete record.$id
    Object.values(record).forEach(stripIds)
  }
}

/**
 * Builds the admin OpenAPI document.
 *
 * @internal
 */
export const document = (version: string) => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const schemas: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(components)) {
    schemas[name] = JSONSchema.fromAST(schema.ast, {
      definitions,
      definitionPath: "#/components/schemas/",
      target: "openApi3.1"
    })
  }
  Object.assign(schemas, definitions)
  stripIds(schemas)
  return {
    openapi: "3.1.0",
    info: {
      title: "xmedia emulator admin API",
      version,
      description:
        "State, journal, fault injection and processing control of the xmedia X media API emulator. Every response " +
        "carries `x-emulator: xmedia/<version>`. No authentication: the emulator listens on loopback only."
    },
    servers: [{ url: "http://127.0.0.1:{port}", variables: { port: { default: "4010" } } }],
    paths: {
      "/_emulator/health": {
        get: { operationId: "health", summary: "Liveness and counts.", responses: { "200": json("Health", "Healthy."), default: problem } }
      },
      "/_emulator/openapi.json": {
        get: {
          operationId: "openapi",
          summary: "This document.",
          responses: { "200": { description: "The admin OpenAPI document.", content: { "application/json": { schema: { type: "object" } } } } }
        }
      },
      "/_emulator/media": {
        get: { operationId: "listMedia", summary: "Every media item (never bytes).", responses: { "200": json("MediaList", "The media."), default: problem } }
      },
      "/_emulator/media/{id}": {
        get: {
          operationId: "getMedia",
          summary: "One media item by id or media key: owner, category, type, bytes received, sha256, processing history, subtitles, metadata.",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": json("MediaView", "The media item."), "404": problem, default: problem }
        }
      },
      "/_emulator/posts": {
        get: { operationId: "listPosts", summary: "Every post, deleted ones included.", responses: { "200": json("PostList", "The posts."), default: problem } }
      },
      "/_emulator/requests": {
        get: {
          operationId: "listRequests",
          summary: "The request journal (method, route, operation, user, status, fault, timing, body sha256; never bytes or secrets).",
          parameters: [
            query("operation", "Only this operation, e.g. posts.create.", "string"),
            query("method", "Only this HTTP method.", "string"),
            query("status", "Only this status.", "integer"),
            query("since", "Only entries with seq greater than this.", "integer"),
            query("limit", "At most this many (the latest).", "integer"),
            query("includeAdmin", "Include /_emulator/ requests (default false).", "boolean")
          ],
          responses: { "200": json("RequestList", "Journal entries, oldest first."), default: problem }
        }
      },
      "/_emulator/faults": {
        get: { operationId: "listFaults", summary: "The fault rules in order, with counters, and the PRNG seed.", responses: { "200": json("FaultList", "The rules."), default: problem } },
        post: {
          operationId: "addFaults",
          summary: "Appends rules (an existing id is replaced in place); optionally reseeds the PRNG.",
          requestBody: body("AddFaults"),
          responses: { "201": json("FaultList", "The rules after the change."), "400": problem, default: problem }
        },
        delete: { operationId: "clearFaults", summary: "Removes every rule.", responses: { "200": json("Ack", "Cleared."), default: problem } }
      },
      "/_emulator/faults/{id}": {
        delete: {
          operationId: "removeFault",
          summary: "Removes one rule.",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": json("Ack", "Removed."), "404": problem, default: problem }
        }
      },
      "/_emulator/processing": {
        post: {
          operationId: "setProcessing",
          summary: "Sets how processing advances (immediate, seconds, polls) by default, for a category, or for one media id.",
          requestBody: body("SetProcessing"),
          responses: { "200": json("Ack", "Set."), "400": problem, default: problem }
        }
      },
      "/_emulator/reset": {
        post: {
          operationId: "reset",
          summary: "Clears state, fault rules, rate-limit windows, OAuth nonces and the journal in one call.",
          responses: { "200": json("Ack", "Reset."), default: problem }
        }
      }
    },
    components: { schemas }
  }
}
