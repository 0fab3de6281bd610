import { isHttpUrl } from './channel-urls.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The trace link template (`{traceId}` replaced): the rules' `links.trace`, else FLOWTEL_TRACE_URL; the
 * rules file wins, as the README says. The one place the choice is made, so the run summary and every
 * message of the run show the same link.
 */
export function traceUrlTemplate(
  links: { readonly trace?: string } | undefined,
  env: Env,
): string | undefined {
  const fromEnv = env.FLOWTEL_TRACE_URL;
  return links?.trace ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv);
}

/** The link to one trace, or undefined without a template or trace id, or when it is not an http(s) URL. */
export function traceUrl(template: string | undefined, traceId: string | undefined): string | undefined {
  if (template === undefined || traceId === undefined || traceId === '') return undefined;
  const url = template.split('{traceId}').join(encodeURIComponent(traceId));
  return isHttpUrl(url) ? url : undefined;
}
