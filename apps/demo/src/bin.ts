#!/usr/bin/env node
/**
 * Entry point: `pnpm demo` (the demo) and `pnpm demo -- <command> ...` (the CLI).
 *
 * @since 0.1.0
 */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { cli } from "./Cli.js"
import * as Main from "./Main.js"

// `pnpm demo -- <command>` may pass the `--` separator through: drop it.
const argv = process.argv[2] === "--" ? [...process.argv.slice(0, 2), ...process.argv.slice(3)] : process.argv

Main.toExitCode(cli(argv)).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: true, teardown: Main.teardown })
)
