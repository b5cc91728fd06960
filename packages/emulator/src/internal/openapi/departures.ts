/**
 * The one documented allow-list of places where X's real behaviour departs from its own OpenAPI 2.167 document, and
 * the emulator follows X. Strict mode honours exactly these: each entry rewrites the parts of a response body that
 * are X's behaviour into what the spec describes (or accepts the body as a documented shape), and the validator
 * reports which entries were applied. Sources are the keys of `shared/research/x-media-api.md` (§11 lists the
 * contradictions); `docs/emulator.md` repeats this table.
 *
 * @internal
 */

/** What a departure sees. @internal */
export interface DepartureContext {
  readonly operationId: string
  readonly method: string
  readonly status: number
  readonly contentType: string
}

/** A departure's verdict on a body: leave it, rewrite it for validation, or accept it as a documented X shape. @internal */
export type DepartureResult =
  | { readonly _tag: "NotApplicable" }
  | { readonly _tag: "Rewrite"; readonly body: unknown }
  | { readonly _tag: "Accept" }

/** One documented departure. @internal */
export interface Departure {
  readonly id: string
  /** What X does that the spec does not allow. */
  readonly description: string
  /** Where X's behaviour is documented or observed. */
  readonly source: string
  readonly apply: (context: DepartureContext, body: unknown) => DepartureResult
}

const notApplicable: DepartureResult = { _tag: "NotApplicable" }

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const LEGACY_PROBLEM_PREFIX = "https://api.twitter.com/2/problems/"
const SPEC_PROBLEM_PREFIX = "https://api.x.com/2/problems/"

/** Problem types X sends on media endpoints that 2.167's `Problem` union does not list (2.166 lists them). */
const unlistedProblemTypes = ["usage-capped", "client-forbidden", "unsupported-authentication", "conflict", "rate-limit-exceeded"]

const rewriteProblemType = (problem: unknown): unknown => {
  if (!isRecord(problem) || typeof problem.type !== "string" || !problem.type.startsWith(LEGACY_PROBLEM_PREFIX)) {
    return problem
  }
  return { ...problem, type: SPEC_PROBLEM_PREFIX + problem.type.slice(LEGACY_PROBLEM_PREFIX.length) }
}

const isProblemShape = (body: Record<string, unknown>) =>
  typeof body.title === "string" && typeof body.type === "string" &&
  (body.detail === undefined || typeof body.detail === "string") &&
  (body.status === undefined || Number.isInteger(body.status))

/**
 * The allow-list, in the order it is applied.
 *
 * @internal
 */
export const departures: ReadonlyArray<Departure> = [
  {
    id: "processing-info-error",
    description:
      "A failed upload's `processing_info` carries `error{code,name,message}` (with `state: failed`, or observed with " +
      "`state: in_progress`); 2.167 declares `processing_info` with `additionalProperties: false` and no `error`.",
    source:
      "[V1-STATUS] (v1.1 STATUS docs example), research §3.4 and §11.32; node-twitter-api-v2 reads it on v2 [NTA]; " +
      "in_progress + error: peers.md (c)5 (node-twitter-api-v2#483)",
    apply: (_ctx, body) => {
      if (!isRecord(body) || !isRecord(body.data) || !isRecord(body.data.processing_info)) return notApplicable
      if (!("error" in body.data.processing_info)) return notApplicable
      const { error: _error, ...info } = body.data.processing_info
      return { _tag: "Rewrite", body: { ...body, data: { ...body.data, processing_info: info } } }
    }
  },
  {
    id: "associated-subtitles-array",
    description:
      "Subtitle create answers `associated_subtitles` as an array of `{id, language_code, display_name}` (docs example, " +
      "2.166); 2.167 types it as an (untyped) object.",
    source: "research §11.20 and §4.7: docs.x.com example (x-examples/v2-media-subtitles-create.response.rendered.json), [SPEC166] vs [SPEC]",
    apply: (_ctx, body) => {
      if (!isRecord(body) || !isRecord(body.data) || !Array.isArray(body.data.associated_subtitles)) return notApplicable
      const tracks = body.data.associated_subtitles
      const wellFormed = tracks.every((t) =>
        isRecord(t) && typeof t.id === "string" && typeof t.language_code === "string" &&
        typeof t.display_name === "string"
      )
      return wellFormed
        ? { _tag: "Rewrite", body: { ...body, data: { ...body.data, associated_subtitles: {} } } }
        : notApplicable
    }
  },
  {
    id: "problem-type-host",
    description:
      "Problem `type` URIs use `https://api.twitter.com/2/problems/…` (as ≤2.166 and real 2025 responses do); 2.167 " +
      "enumerates `https://api.x.com/2/problems/…`.",
    source: "research §11.2: [SPEC166], [OPI], [I-xruby71] vs [SPEC]",
    apply: (_ctx, body) => {
      if (!isRecord(body)) return notApplicable
      let changed = false
      let out: Record<string, unknown> = body
      const top = rewriteProblemType(body)
      if (top !== body) {
        out = top as Record<string, unknown>
        changed = true
      }
      if (Array.isArray(out.errors)) {
        const errors = out.errors.map(rewriteProblemType)
        if (errors.some((e, i) => e !== (out.errors as Array<unknown>)[i])) {
          out = { ...out, errors }
          changed = true
        }
      }
      return changed ? { _tag: "Rewrite", body: out } : notApplicable
    }
  },
  {
    id: "about-blank-problem",
    description:
      "401, 403 (missing scope), 429 and 5xx errors are generic `about:blank` problems " +
      "`{title, type:\"about:blank\", status, detail}`, which 2.167's `Problem` union does not list.",
    source: "research §2 [OBS-401], §7.3 [OBS-429], §8.1 [I-nta588]",
    apply: (ctx, body) =>
      ctx.status >= 400 && isRecord(body) && body.type === "about:blank" && isProblemShape(body)
        ? { _tag: "Accept" }
        : notApplicable
  },
  {
    id: "unlisted-problem-types",
    description:
      "usage-capped (429), client-forbidden and unsupported-authentication (403) and conflict (409) problems, listed " +
      "in 2.166 and X's error docs but missing from 2.167's `Problem` union.",
    source: "research §8.1: [SPEC166], [ERR-2025], [OBS-429]",
    apply: (ctx, body) => {
      if (ctx.status < 400 || !isRecord(body) || !isProblemShape(body)) return notApplicable
      const type = body.type as string
      return unlistedProblemTypes.some((slug) =>
          type === LEGACY_PROBLEM_PREFIX + slug || type === SPEC_PROBLEM_PREFIX + slug
        )
        ? { _tag: "Accept" }
        : notApplicable
    }
  },
  {
    id: "v1-error-body-on-v2",
    description:
      "Some v2 errors carry the v1.1 body `{\"errors\":[{\"code\",\"message\"}]}` (e.g. code 34 for an unknown " +
      "resource), which matches neither `Error` nor `Problem`.",
    source: "research §8.1 item 6 [I-nta569], §8.2",
    apply: (ctx, body) =>
      ctx.status >= 400 && isRecord(body) && Array.isArray(body.errors) && body.errors.length > 0 &&
        body.errors.every((e) => isRecord(e) && Number.isInteger(e.code) && typeof e.message === "string")
        ? { _tag: "Accept" }
        : notApplicable
  }
]

/**
 * Success statuses X uses that the spec does not declare for the operation (the spec only has 200 / 201): the body is
 * validated against the declared success response instead, and an empty 204 is accepted.
 *
 * @internal
 */
export const statusDeparture = {
  id: "undeclared-success-status",
  description:
    "The legacy command form of POST /2/media/upload answers INIT with 202, APPEND with 204 (empty) and FINALIZE " +
    "with 201; the spec declares only 200.",
  source: "research §11.6 and §11.7: [SPEC-2025-01], [QS-2025], [I-xruby54]"
} as const
