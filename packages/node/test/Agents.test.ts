/**
 * NodeTransport's agents: `layer` makes its own (with the options given, destroyed with the layer), and
 * `layerWithoutAgent` runs on platform-node's agent service, which NodeTransport reaches by its key so that importing
 * it does not load `NodeHttpClient` (and with it undici).
 */
import { Command, HttpClient } from "@effect/platform"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Layer } from "effect"
import { fileURLToPath } from "node:url"
import { NodeTransport } from "../src/index.js"
import { echo, serve } from "./server.js"

/** Sends `count` GETs at once and returns their statuses (each body read, so its connection can be reused). */
const concurrentGets = (client: HttpClient.HttpClient, url: string, count: number) =>
  Effect.forEach(
    Array.from({ length: count }, () => url),
    (u) => Effect.flatMap(client.get(u), (response) => Effect.as(response.text, response.status)),
    { concurrency: "unbounded" }
  )

it.scoped("layerWithoutAgent runs on the agents of NodeHttpClient.makeAgentLayer (maxSockets 1: one connection)", () =>
  Effect.gen(function*() {
    const server = yield* serve(echo)
    const context = yield* Layer.build(
      NodeTransport.layerWithoutAgent.pipe(
        Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true, maxSockets: 1 }))
      )
    )
    const statuses = yield* concurrentGets(Context.get(context, HttpClient.HttpClient), server.url("/"), 4)
    assert.deepStrictEqual(statuses, [200, 200, 200, 200])
    assert.strictEqual(server.connections(), 1)
  }))

it.scoped("layer(options): its agents take the options (maxSockets 1: one connection) and are destroyed with it", () =>
  Effect.gen(function*() {
    const closed = yield* Deferred.make<void>()
    const server = yield* serve((req, res) => {
      req.socket.once("close", () => Deferred.unsafeDone(closed, Exit.void))
      echo(req, res)
    })
    const statuses = yield* Effect.scoped(
      Effect.flatMap(
        Layer.build(NodeTransport.layer({ maxSockets: 1 })),
        (context) => concurrentGets(Context.get(context, HttpClient.HttpClient), server.url("/"), 4)
      )
    )
    assert.deepStrictEqual(statuses, [200, 200, 200, 200])
    assert.strictEqual(server.connections(), 1)
    // the kept-alive connection closes only because the layer's scope destroyed its agent
    yield* Deferred.await(closed)
  }))

const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url))
const index = fileURLToPath(new URL("../src/index.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))

/**
 * Imports `modules` in a fresh node process (in this package's directory, so its dependencies resolve) and answers
 * whether undici (a CommonJS package) got loaded.
 */
const loadsUndici = (modules: ReadonlyArray<string>) =>
  Effect.map(
    Command.string(Command.make(
      tsx,
      "--input-type=module",
      "-e",
      `${modules.map((m) => `await import(${JSON.stringify(m)})`).join(";")};` +
        `const { createRequire } = await import("node:module");` +
        `const cache = createRequire(import.meta.url).cache;` +
        `console.log(Object.keys(cache).some((k) => k.includes("/undici/")))`
    ).pipe(Command.workingDirectory(packageDir))),
    (out) => out.trim()
  ).pipe(Effect.provide(NodeContext.layer))

it.effect("importing @xmedia/node loads no undici (NodeHttpClient, imported too, does)", () =>
  Effect.gen(function*() {
    assert.strictEqual(yield* loadsUndici([index]), "false")
    // the control: the check sees undici when it is loaded
    assert.strictEqual(yield* loadsUndici([index, "@effect/platform-node/NodeHttpClient"]), "true")
  }), 30_000)
