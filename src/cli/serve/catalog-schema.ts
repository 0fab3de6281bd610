import { z } from 'zod';

/**
 * What `flowtel describe` prints and serve's catalog reads: the flows a set of files declares, as
 * plain data, so serve knows them without importing a user's module into its own process.
 */
/**
 * What `describe` writes to stderr before it imports each file: the catalog reads it to know which
 * file was loading when the process hung or died.
 */
export const LOADING_PREFIX = 'flowtel describe: loading ';

export const CatalogFlowSchema = z.object({
  /** Absolute path of the file that exports it. */
  file: z.string(),
  /** The name the file exports it under: `flowtel run <file> --flow <exportName>` runs it. */
  exportName: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  tags: z.array(z.string()),
  /** Its schedules, resolved by the flow's own copy of flowtel (ids, specs with defaults, params). */
  schedules: z.array(
    z.object({
      id: z.string(),
      spec: z.union([
        z.object({ cron: z.string(), timezone: z.string() }),
        z.object({ interval: z.number().positive(), anchor: z.string().optional() }),
        z.object({ at: z.string() }),
      ]),
      params: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  overlap: z.enum(['skip', 'queue', 'allow']),
  /** Most runs of the flow at once; null: no limit. */
  concurrency: z.number().int().positive().nullable(),
  catchUp: z.enum(['skip', 'run-once']),
  /** Whether it declares a parameter schema. */
  hasParams: z.boolean(),
});

export type CatalogFlow = z.infer<typeof CatalogFlowSchema>;

export const DescribeDocumentSchema = z.object({
  v: z.literal(1),
  flows: z.array(CatalogFlowSchema),
  /** Files that did not load (or paths not found), each with why: one line, secrets redacted. */
  problems: z.array(z.object({ file: z.string().nullable(), message: z.string() })),
});

export type DescribeDocument = z.infer<typeof DescribeDocumentSchema>;
