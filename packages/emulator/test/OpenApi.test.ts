import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { departures } from "../src/internal/openapi/departures.js"
import * as OpenApi from "../src/internal/openapi/validator.js"

const examples = new URL("../../core/test/fixtures/x-examples/", import.meta.url)
const example = (name: string): unknown => JSON.parse(readFileSync(new URL(name, examples), "utf8"))

const validator = Effect.runSync(OpenApi.make)
const check = (method: string, path: string, status: number, body: unknown, contentType = "application/json") =>
  validator.validate({ method, path, status, contentType: body === undefined ? "" : contentType, body })

describe("OpenAPI response validation", () => {
  it("accepts X's own example bodies", () => {
    const cases: Array<[string, string, number, string, string?]> = [
      ["POST", "/2/media/upload/initialize", 200, "v2-media-upload-initialize.response.json"],
      ["POST", "/2/media/upload/1880028106020515840/finalize", 200, "v2-media-upload-finalize.response.json"],
      ["GET", "/2/media/upload", 200, "v2-media-upload-status.response.as-documented.json"],
      ["POST", "/2/media/metadata", 200, "v2-media-metadata.response.rendered.json"],
      ["POST", "/2/media/subtitles", 200, "v2-media-subtitles-create.response.rendered.json"],
      ["DELETE", "/2/media/subtitles", 200, "v2-media-subtitles-delete.response.rendered.json"],
      ["POST", "/2/tweets", 201, "v2-tweets-create.response.json"],
      ["POST", "/2/tweets", 201, "v2-tweets-create.response.as-documented.json"],
      ["DELETE", "/2/tweets/1445880548472328192", 200, "v2-tweets-delete.response.json"],
      ["POST", "/2/media/upload/initialize", 400, "v2-error.invalid-request.json", "application/problem+json"],
      ["POST", "/2/media/metadata", 403, "v2-error.client-forbidden.json", "application/problem+json"]
    ]
    for (const [method, path, status, file, contentType] of cases) {
      const v = check(method, path, status, example(file), contentType)
      assert.isTrue(v.checked, file)
      assert.deepStrictEqual(v.violations, [], file)
      assert.isTrue(v.valid, file)
    }
  })

  it("checks 2.167's analytics counters (oneOf integer|string, nullable)", () => {
    const body = (value: unknown) => ({
      data: [{ media_key: "7_1", timestamped_metrics: [{ timestamp: "2026-01-01T00:00:00Z", metrics: { video_views: value } }] }]
    })
    for (const ok of [0, "12", null]) {
      const v = check("GET", "/2/media/analytics", 200, body(ok))
      assert.isTrue(v.checked)
      assert.deepStrictEqual(v.violations, [], String(ok))
    }
    const bad = check("GET", "/2/media/analytics", 200, body(true))
    assert.isFalse(bad.valid)
    assert.include(bad.violations.join("\n"), "video_views")
  })

  it("finds the operation, literal paths before templated ones", () => {
    assert.strictEqual(validator.operationFor("GET", "/2/media/upload"), "getMediaUploadStatus")
    assert.strictEqual(validator.operationFor("GET", "/2/media/13_1880028106020515840"), "getMediaByMediaKey")
    assert.strictEqual(validator.operationFor("POST", "/2/media/upload/123/append"), "appendMediaUpload")
    assert.isUndefined(validator.operationFor("PUT", "/2/media/upload"))
    const unknown = check("GET", "/_emulator/health", 200, { ok: true })
    assert.isFalse(unknown.checked)
    assert.isTrue(unknown.valid)
  })

  it("rejects a broken body with a message naming the violation", () => {
    const numericId = check("POST", "/2/media/upload/initialize", 200, { data: { id: 1880028106020515840, media_key: "13_1", expires_after_secs: 1 } })
    assert.isFalse(numericId.valid)
    assert.include(numericId.violations.join("\n"), "/data/id: must be string")
    const missingId = check("POST", "/2/media/upload/1/finalize", 200, { data: { media_key: "13_1" } })
    assert.include(missingId.violations.join("\n"), "must have required property 'id'")
    const extra = check("GET", "/2/media/upload", 200, { data: { id: "1", processing_info: { state: "pending", eta: 3 } } })
    assert.isFalse(extra.valid)
    assert.include(extra.violations.join("\n"), "/data/processing_info: must NOT have additional properties (eta)")
    const badPostId = check("POST", "/2/tweets", 201, { data: { id: "abc", text: "x" } })
    assert.include(badPostId.violations.join("\n"), "/data/id: must match pattern")
    const badProblem = check("POST", "/2/tweets", 400, { title: "Oops", detail: "x", type: "https://api.x.com/2/problems/made-up" }, "application/problem+json")
    assert.isFalse(badProblem.valid)
    const wrongType = check("POST", "/2/tweets", 201, { data: { id: "1", text: "x" } }, "text/plain")
    assert.include(wrongType.violations[0], "content-type text/plain is not documented")
    const undeclared = check("GET", "/2/users/me", 302, undefined)
    assert.isFalse(undeclared.valid)
  })

  it("honours the documented departures, and only those", () => {
    const failed = check("GET", "/2/media/upload", 200, {
      data: {
        id: "1",
        media_key: "7_1",
        processing_info: { state: "failed", progress_percent: 12, error: { code: 1, name: "InvalidMedia", message: "Unsupported video format" } }
      }
    })
    assert.isTrue(failed.valid, failed.violations.join("; "))
    assert.deepStrictEqual(failed.departures, ["processing-info-error"])

    const legacyHost = check("POST", "/2/tweets", 400, {
      errors: [{ parameters: { "media.media_ids": ["1"] }, message: "Your media IDs are invalid." }],
      title: "Invalid Request",
      detail: "One or more parameters to your request was invalid.",
      type: "https://api.twitter.com/2/problems/invalid-request"
    }, "application/problem+json")
    assert.isTrue(legacyHost.valid, legacyHost.violations.join("; "))
    assert.deepStrictEqual(legacyHost.departures, ["problem-type-host"])

    for (const status of [401, 403, 429, 503]) {
      const blank = check("POST", "/2/media/upload/initialize", status, { title: "T", type: "about:blank", status, detail: "T" }, "application/problem+json")
      assert.isTrue(blank.valid)
      assert.deepStrictEqual(blank.departures, ["about-blank-problem"])
    }
    const capped = check("POST", "/2/tweets", 429, {
      title: "UsageCapExceeded",
      detail: "Usage cap exceeded: Monthly product cap",
      type: "https://api.twitter.com/2/problems/usage-capped",
      period: "Monthly",
      scope: "Product"
    }, "application/problem+json")
    assert.isTrue(capped.valid)

    const v1 = check("GET", "/2/media/upload", 404, { errors: [{ code: 34, message: "Sorry, that page does not exist" }] })
    assert.isTrue(v1.valid)
    assert.deepStrictEqual(v1.departures, ["v1-error-body-on-v2"])

    const commandInit = check("POST", "/2/media/upload", 202, { data: { id: "1", media_key: "3_1", expires_after_secs: 86400 } })
    assert.isTrue(commandInit.valid)
    assert.deepStrictEqual(commandInit.departures, ["undeclared-success-status"])
    const commandAppend = check("POST", "/2/media/upload", 204, undefined)
    assert.isTrue(commandAppend.valid)

    // A departure does not open the door to anything else next to it.
    const errorAndJunk = check("GET", "/2/media/upload", 200, {
      data: { id: "1", processing_info: { state: "failed", error: { code: 1, name: "n", message: "m" }, junk: true } }
    })
    assert.isFalse(errorAndJunk.valid)
    assert.include(errorAndJunk.violations.join("\n"), "(junk)")
    const blankOnSuccess = check("POST", "/2/media/upload/initialize", 200, { title: "T", type: "about:blank" })
    assert.isTrue(blankOnSuccess.valid) // data is optional in X's envelope; but a bad id would still fail:
    assert.isFalse(check("POST", "/2/media/upload/initialize", 200, { data: { id: 5 } }).valid)
  })

  it("documents every departure with a source", () => {
    assert.isAtLeast(departures.length, 5)
    for (const d of departures) {
      assert.isAbove(d.description.length, 20, d.id)
      assert.match(d.source, /\[|§/, d.id)
    }
    assert.strictEqual(new Set(departures.map((d) => d.id)).size, departures.length)
  })

  it.effect("strict mode turns a spec violation into a 500 naming it, and passes good responses", () =>
    Effect.gen(function*() {
      const app = Effect.gen(function*() {
        const req = yield* HttpServerRequest.HttpServerRequest
        if (req.url.includes("bad")) {
          return HttpServerResponse.unsafeJson({ data: { id: 42, media_key: "3_42" } })
        }
        if (req.url.startsWith("/_emulator")) return HttpServerResponse.unsafeJson({ anything: 1 })
        return HttpServerResponse.unsafeJson({ data: { id: "42", media_key: "3_42", expires_after_secs: 86400 } })
      })
      const handler = HttpApp.toWebHandler(OpenApi.strictMiddleware(validator)(app))
      const bad = yield* Effect.promise(() => handler(new Request("http://emulator.local/2/media/upload/initialize?bad=1", { method: "POST" })))
      assert.strictEqual(bad.status, 500)
      assert.strictEqual(bad.headers.get("content-type"), "application/problem+json")
      assert.strictEqual(bad.headers.get("x-emulator-strict-violation"), "/data/id: must be string")
      const problem = yield* Effect.promise(() => bad.json() as Promise<{ detail: string }>)
      assert.include(problem.detail, "initializeMediaUpload")
      assert.include(problem.detail, "/data/id: must be string")
      const good = yield* Effect.promise(() => handler(new Request("http://emulator.local/2/media/upload/initialize", { method: "POST" })))
      assert.strictEqual(good.status, 200)
      const admin = yield* Effect.promise(() => handler(new Request("http://emulator.local/_emulator/health")))
      assert.strictEqual(admin.status, 200)
    }))
})
