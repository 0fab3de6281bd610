import { type ParameterIssue, ParameterValidationError } from '../errors.ts';

/**
 * Parameters are validated with any Standard Schema (zod 3.24+, zod 4, valibot, arktype, ...), through
 * its `~standard.validate`, so flowtel depends on no validation library.
 */
export interface StandardSchema<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export type InferInput<S> = S extends StandardSchema<infer I, unknown> ? I : never;
export type InferOutput<S> = S extends StandardSchema<unknown, infer O> ? O : never;

export function isStandardSchema(value: unknown): value is StandardSchema {
  return typeof value === 'object' && value !== null && '~standard' in value;
}

/** The validated (defaults applied) parameters, or a `ParameterValidationError` listing every issue. */
export async function validateParams<S extends StandardSchema>(
  flow: string,
  schema: S | undefined,
  input: unknown,
): Promise<InferOutput<S>> {
  if (!schema) return (input ?? {}) as InferOutput<S>;
  let result = schema['~standard'].validate(input ?? {});
  if (result instanceof Promise) result = await result;
  if (result.issues) throw new ParameterValidationError(flow, result.issues.map(toIssue));
  return result.value as InferOutput<S>;
}

function toIssue(issue: StandardIssue): ParameterIssue {
  const path = (issue.path ?? [])
    .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
    .join('.');
  return { path, message: issue.message };
}
