/**
 * Workflow engines as Layers. The same flows run on each, unchanged.
 *
 * - `layerMemory`: in-process, not durable (tests, dry runs, the benchmark's baseline).
 * - `layerSqlite({ filename })`: durable, embedded: `@effect/cluster`'s `SingleRunner` storing its journal in a
 *   SQLite file through `@effect/sql-sqlite-node`. One process at a time per file.
 * - A multi-runner cluster over Postgres: provide `ClusterWorkflowEngine.layer` on a `NodeClusterSocket` (or
 *   `NodeClusterHttp`) runner with `@effect/sql-pg`; see docs/workflows.md.
 *
 * @since 0.1.0
 */
import { ClusterWorkflowEngine, SingleRunner } from "@effect/cluster"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { WorkflowEngine } from "@effect/workflow"
import { type ConfigError, Duration, Layer, Option } from "effect"

/**
 * The in-memory engine (not durable).
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<WorkflowEngine.WorkflowEngine> = WorkflowEngine.layerMemory

/**
 * Options of the embedded durable engine.
 *
 * @since 0.1.0
 */
export interface SqliteOptions {
  /** the SQLite file of the journal (created with its tables on first use) */
  readonly filename: string
  /** how often the runner looks for work in storage (default 1 s; the library default is 10 s) */
  readonly pollInterval?: Duration.DurationInput
  /** how long shutdown waits for a running flow (default 2 s; the library default is 15 s) */
  readonly shutdownTimeout?: Duration.DurationInput
  /** how often a caller waiting for a persisted reply polls storage (default 20 ms; the library default is 200 ms) */
  readonly replyPollInterval?: Duration.DurationInput
  /**
   * how long the shard locks of a process that died (kill -9) block a restarted one (default 10 s, refreshed
   * every third of it; the library default is 35 s)
   */
  readonly lockExpiration?: Duration.DurationInput
}

/**
 * The embedded durable engine: `ClusterWorkflowEngine` on `SingleRunner` with SQL runner storage, in a SQLite file.
 * A flow interrupted by a crash resumes when a process opens the same file again (unprocessed messages are
 * redelivered on start), replaying finished activities from the journal.
 *
 * @since 0.1.0
 */
export const layerSqlite = (
  options: SqliteOptions
): Layer.Layer<WorkflowEngine.WorkflowEngine, ConfigError.ConfigError> => {
  const lockExpiration = Duration.decode(options.lockExpiration ?? "10 seconds")
  return ClusterWorkflowEngine.layer.pipe(
    Layer.provideMerge(SingleRunner.layer({
      runnerStorage: "sql",
      shardingConfig: {
        entityMessagePollInterval: Duration.decode(options.pollInterval ?? "1 second"),
        entityTerminationTimeout: Duration.decode(options.shutdownTimeout ?? "2 seconds"),
        entityReplyPollInterval: Duration.decode(options.replyPollInterval ?? "20 millis"),
        shardLockExpiration: lockExpiration,
        shardLockRefreshInterval: Duration.divide(lockExpiration, 3).pipe(Option.getOrElse(() => Duration.seconds(3)))
      }
    })),
    Layer.provide(SqliteClient.layer({ filename: options.filename }))
  )
}
