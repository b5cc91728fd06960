import { Command, FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const bin = path.join(here, "../src/bin.ts")

const start = (...args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const proc = yield* Command.make(process.execPath, "--import", "tsx", bin, "--port", "0", ...args).pipe(Command.start)
    const url = yield* proc.stdout.pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.map((line) => /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1]),
      Stream.filter((u): u is string => u !== undefined),
      Stream.runHead,
      Effect.flatMap(Effect.orDieWith(() => "the emulator printed no 'listening on' line"))
    )
    return { proc, url }
  })

const get = (url: string, token: string) =>
  Effect.promise(() => fetch(url, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: await r.json() as unknown })))

it.scoped("pnpm emulator: --config adds identities, fault rules, seed and rate-limit overrides, --data-dir persists, SIGTERM/SIGINT stop it", () =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped({ prefix: "xmedia-bin-" })
    const config = path.join(dir, "identities.json")
    yield* fs.writeFileString(config, JSON.stringify({
      users: [{ id: "2000000000000000002", username: "second" }],
      oauth2Tokens: [{ token: "second-token", userId: "2000000000000000002", scopes: ["tweet.read", "users.read", "tweet.write"] }],
      faults: [{ id: "from-config", match: { operation: "users.me" }, after: 1, count: 1, fault: { kind: "status", status: 503 } }],
      faultsSeed: 42,
      rateLimitOverrides: { "posts.create": { user: { limit: 1, windowSeconds: 900 } } }
    }))
    const data = path.join(dir, "data")
    const first = yield* start("--config", config, "--data-dir", data)
    const me = yield* get(`${first.url}/2/users/me`, "second-token")
    assert.deepStrictEqual(me.body, { data: { id: "2000000000000000002", name: "second", username: "second" } })
    const posted = yield* Effect.promise(() =>
      fetch(`${first.url}/2/tweets`, {
        method: "POST",
        headers: { authorization: "Bearer second-token", "content-type": "application/json" },
        body: JSON.stringify({ text: "kept" })
      }).then((r) => r.status)
    )
    assert.strictEqual(posted, 201)
    // The config's fault rule (2nd users.me gets a 503), its seed, and its rate-limit override (1 post per window).
    assert.strictEqual((yield* get(`${first.url}/2/users/me`, "second-token")).status, 503)
    assert.strictEqual((yield* get(`${first.url}/2/users/me`, "second-token")).status, 200)
    const faults = yield* get(`${first.url}/_emulator/faults`, "")
    assert.strictEqual((faults.body as { seed: number }).seed, 42)
    assert.match(JSON.stringify(faults.body), /"id":"from-config"/)
    const limited = yield* Effect.promise(() =>
      fetch(`${first.url}/2/tweets`, {
        method: "POST",
        headers: { authorization: "Bearer second-token", "content-type": "application/json" },
        body: JSON.stringify({ text: "one too many" })
      }).then((r) => r.status)
    )
    assert.strictEqual(limited, 429)
    yield* first.proc.kill("SIGTERM")
    yield* first.proc.exitCode.pipe(Effect.ignore)
    assert.isTrue(yield* fs.exists(path.join(data, "state.json")))

    const second = yield* start("--data-dir", data)
    const posts = yield* get(`${second.url}/_emulator/posts`, "")
    assert.match(JSON.stringify(posts.body), /"kept"/)
    yield* second.proc.kill("SIGINT")
    yield* second.proc.exitCode.pipe(Effect.ignore)

    const bad = yield* Command.make(process.execPath, "--import", "tsx", bin, "--port", "nope").pipe(Command.exitCode)
    assert.strictEqual(bad, 2)
  }).pipe(Effect.provide(NodeContext.layer)), { timeout: 90_000 })
