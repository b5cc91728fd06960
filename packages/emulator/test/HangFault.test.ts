/**
 * The `hang` fault over real sockets: a hung request ends when its client goes away, and closing the emulator does not
 * wait for hung requests (every open connection is closed).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Duration, Effect, Exit, Fiber, Layer, Option, Scope } from "effect"
import * as net from "node:net"
import { Emulator } from "../src/index.js"
import { call, DEV_TOKEN } from "./helpers.js"

/** Every APPEND hangs. */
const hangAppends = Emulator.layer({ faults: [{ match: { operation: "media.append" }, fault: { kind: "hang" } }] })

/** Generous bound on waits for the server to act (not a timing assertion: the fixed server acts at once). */
const BOUND = Duration.seconds(10)

/** A raw TCP connection to the emulator; `closed` completes once the server ends or closes the connection. */
const connect = (port: number) =>
  Effect.gen(function*() {
    const closed = yield* Deferred.make<void>()
    const chunks: Array<Buffer> = []
    const socket = yield* Effect.acquireRelease(
      Effect.async<net.Socket>((resume) => {
        const s = net.connect({ port, host: "127.0.0.1" }, () => resume(Effect.succeed(s)))
        s.on("data", (chunk: Buffer) => chunks.push(chunk))
        s.on("error", () => Deferred.unsafeDone(closed, Exit.void))
        s.on("end", () => Deferred.unsafeDone(closed, Exit.void))
        s.on("close", () => Deferred.unsafeDone(closed, Exit.void))
      }),
      (s) => Effect.sync(() => s.destroy())
    )
    /** What the server sent so far. */
    const received = () => Buffer.concat(chunks).toString("latin1")
    /** Waits (bounded) until what the server sent contains `text`. */
    const waitFor = (text: string) =>
      Effect.async<void>((resume) => {
        const check = () => {
          if (received().includes(text)) {
            socket.off("data", check)
            resume(Effect.void)
          }
        }
        socket.on("data", check)
        check()
        return Effect.sync(() => void socket.off("data", check))
      }).pipe(Effect.timeoutOption(BOUND))
    return { socket, received, waitFor, closed: Deferred.await(closed).pipe(Effect.timeoutOption(BOUND)) }
  })

/** The head of an APPEND of `length` body bytes. */
const appendHead = (port: number, length: number, extra = "") =>
  `POST /2/media/upload/2000000000000000001/append HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
  `Authorization: Bearer ${DEV_TOKEN}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n${extra}\r\n`

describe("hang fault", () => {
  it.live("a client that gives up on a hung APPEND: the server closes the connection too; the emulator keeps serving", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const client = yield* connect(emulator.port)
      // a body larger than the socket buffers: left unread, it would hide the client's close from the server
      const body = new Uint8Array(4 * 1024 * 1024)
      yield* Effect.sync(() => {
        client.socket.write(appendHead(emulator.port, body.length))
        client.socket.write(body)
        // the client gives up: it closes its side of the connection
        client.socket.end()
      })
      const closed = yield* client.closed
      assert.isTrue(Option.isSome(closed), "the server kept the hung connection open after the client closed it")
      assert.strictEqual(client.received(), "", "a hung request is never answered")

      const next = yield* call("POST", "/2/media/upload/initialize", {
        json: { media_type: "image/png", total_bytes: 10 }
      })
      assert.strictEqual(next.status, 200)
      const hung = (yield* emulator.requests).filter((e) => e.operation === "media.append")
      assert.strictEqual(hung.length, 1)
      assert.match(String(hung[0]?.fault), /hang/)
      assert.strictEqual(hung[0]?.status, 0)
    }).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(hangAppends, NodeHttpClient.layer))))

  it.live("closing the emulator with a hung request outstanding: the close completes, the connection is closed", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(hangAppends, scope)
      const emulator = Context.get(context, Emulator.Emulator)
      const client = yield* connect(emulator.port)
      // `Expect: 100-continue`: the server's "100 Continue" says the request reached the app, which now holds it
      yield* Effect.sync(() => client.socket.write(appendHead(emulator.port, 1000, "Expect: 100-continue\r\n")))
      assert.isTrue(Option.isSome(yield* client.waitFor("100 Continue")), "the request never reached the emulator")
      yield* Effect.sync(() => client.socket.write(new Uint8Array(1000)))

      // closing runs its finalizers uninterruptibly: waited for from outside, so the bound holds even if it never ends
      const closer = yield* Effect.forkDaemon(Scope.close(scope, Exit.void))
      const closing = yield* Fiber.join(closer).pipe(Effect.timeoutOption(BOUND))
      assert.isTrue(Option.isSome(closing), "closing the emulator waited for the hung request")
      assert.isTrue(Option.isSome(yield* client.closed), "the hung connection stayed open")
      assert.notInclude(client.received(), "HTTP/1.1 2", "a hung request is never answered")
    }).pipe(Effect.scoped))
})
