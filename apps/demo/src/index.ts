/**
 * @xmedia/demo: the demo and the `xmedia` CLI. The entry point is `bin.ts`; these modules are exported for tests
 * and for teams that embed the CLI's pieces.
 *
 * @since 0.1.0
 */

/** The `@effect/cli` command tree and `cli(argv)`. @since 0.1.0 */
export * as Cli from "./Cli.js"
/** Environment + flags -> target (real X, `--base-url`, or the embedded emulator). @since 0.1.0 */
export * as Credentials from "./Credentials.js"
/** Exit codes and the CLI's two failure kinds. @since 0.1.0 */
export * as Failure from "./Failure.js"
/** JSON/YAML flow files for `xmedia run`. @since 0.1.0 */
export * as FlowFiles from "./FlowFiles.js"
/** Live progress on a `Terminal`: bars on a TTY, plain lines otherwise. @since 0.1.0 */
export * as Progress from "./Progress.js"
