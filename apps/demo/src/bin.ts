#!/usr/bin/env node
/**
 * Entry point: `pnpm demo` (the demo) and `pnpm demo -- <command> ...` (the CLI).
 *
 * @since 0.1.0
 */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { cli } from "./Cli.js"
import * as Main from "./Main.js"

/** Removes ANSI escape sequences (the colours @effect/cli puts in `--help`). */
const stripAnsi = (value: unknown): unknown =>
  typeof value === "string" ? value.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "") : value

/** A console whose `log`/`error` print plain text: used when stdout is not a terminal (pipes, CI, scripts). */
const plainConsole = (console: Console.Console): Console.Console => ({
  ...console,
  log: (...args) => console.log(...args.map(stripAnsi)),
  error: (...args) => console.error(...args.map(stripAnsi)),
  unsafe: {
    ...console.unsafe,
    log: (...args) => console.unsafe.log(...args.map(stripAnsi)),
    error: (...args) => console.unsafe.error(...args.map(stripAnsi))
  }
})

// `pnpm demo -- <command>` may pass the `--` separator through: drop it.
const argv = process.argv[2] === "--" ? [...process.argv.slice(0, 2), ...process.argv.slice(3)] : process.argv

const program = process.stdout.isTTY
  ? cli(argv)
  : Console.consoleWith((console) => Effect.withConsole(cli(argv), plainConsole(console)))

Main.toExitCode(program).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: true, teardown: Main.teardown })
)
