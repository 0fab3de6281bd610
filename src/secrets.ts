/**
 * Redaction by value: every secret this process knows (the values of the variables that channels and
 * OTLP headers reference, secret parameters of its flow runs), with the forms it can take inside a
 * text (URL-encoded, URL-decoded, a URL's password, path and query values), replaced by `[REDACTED]`
 * wherever a text leaves the process. Keys say what is secret; values are what leaks, because user code
 * and libraries put them into error messages ("POST https://hooks.slack.com/services/T0/B0/xyz failed").
 *
 * One registry per process, on `globalThis` like the runtime's hub, so the CLI's copy of flowtel and
 * the user project's copy redact the same values.
 */

export const REDACTED = '[REDACTED]';

/** Shorter fragments would redact ordinary words; whole secrets shorter than this are still redacted. */
const MIN_FRAGMENT = 6;
/** A secret value shorter than this is too common a string to replace in text ("1", "true", "dev"). */
const MIN_SECRET = 4;

/** The texts a secret can appear as inside an error message or a log line, longest first. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (form: string | undefined, min: number) => {
    if (form !== undefined && form.length >= min) forms.add(form);
  };
  add(secret, MIN_SECRET);
  add(safeDecode(secret), MIN_SECRET);
  add(encodeURIComponent(secret), MIN_SECRET);
  const url = parseUrl(secret);
  if (url) {
    add(url.href, MIN_SECRET);
    if (url.pathname.length > 1) add(url.pathname + url.search, MIN_FRAGMENT);
    for (const fragment of urlSecretFragments(secret)) add(fragment, MIN_SECRET);
  }
  // `Bearer abc…`, `Basic abc…`: the credential alone, too.
  const scheme = /^(?:bearer|basic|token)\s+(\S+)$/i.exec(secret.trim());
  if (scheme?.[1]) add(scheme[1], MIN_FRAGMENT);
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * The parts of a URL that are secrets when the URL as a whole is not known to be one (an `API_URL`
 * variable): its password, and path segments, query values and fragment that look like tokens. The
 * rest (scheme, host, plain words of the path) stays readable in spans and messages.
 */
export function urlSecretFragments(text: string): string[] {
  const url = parseUrl(text);
  if (!url) return [];
  const fragments = new Set<string>();
  const add = (fragment: string | undefined, min: number) => {
    if (fragment !== undefined && fragment.length >= min) fragments.add(fragment);
  };
  add(url.password, MIN_SECRET);
  add(safeDecode(url.password), MIN_SECRET);
  for (const segment of url.pathname.split('/')) {
    if (!looksSecret(segment)) continue;
    add(segment, MIN_FRAGMENT);
    add(safeDecode(segment), MIN_FRAGMENT);
  }
  for (const value of url.searchParams.values()) if (looksSecret(value)) add(value, MIN_FRAGMENT);
  if (looksSecret(url.hash.slice(1))) add(url.hash.slice(1), MIN_FRAGMENT);
  return [...fragments];
}

/**
 * A fragment of a URL worth redacting on its own: long enough, and not a plain lower-case word such as
 * `services` or `webhooks`, which would blank out ordinary text around it.
 */
function looksSecret(fragment: string): boolean {
  if (fragment.length < MIN_FRAGMENT) return false;
  return fragment.length >= 16 || /[0-9A-Z_-]/.test(fragment);
}

function parseUrl(text: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string | undefined {
  try {
    const decoded = decodeURIComponent(text);
    return decoded === text ? undefined : decoded;
  } catch {
    return undefined;
  }
}

/** The values a process must not let out, and the one function that takes them out of a text. */
export class SecretRegistry {
  readonly #forms = new Set<string>();
  #pattern: RegExp | undefined;

  /** Adds a secret (and its forms); empty and very short values are ignored. */
  add(secret: string | undefined): void {
    if (secret === undefined) return;
    this.#addForms(secretForms(secret));
  }

  /** Adds only the secret parts of a URL that is not itself known to be secret (see `urlSecretFragments`). */
  addUrlFragments(url: string | undefined): void {
    if (url !== undefined) this.#addForms(urlSecretFragments(url));
  }

  #addForms(forms: readonly string[]): void {
    let added = false;
    for (const form of forms) {
      if (!this.#forms.has(form)) {
        this.#forms.add(form);
        added = true;
      }
    }
    if (added) this.#pattern = undefined;
  }

  /** How many texts are replaced (a secret counts once per form). */
  get size(): number {
    return this.#forms.size;
  }

  /** `text` with every known secret replaced by `[REDACTED]`; the same string when there is none. */
  redact(text: string): string {
    if (this.#forms.size === 0 || text.length < MIN_SECRET) return text;
    this.#pattern ??= new RegExp(
      [...this.#forms]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    return text.replace(this.#pattern, REDACTED);
  }

  /** `JSON.stringify(value)` with every string in it redacted (after any `toJSON`). */
  stringify(value: unknown): string {
    if (this.#forms.size === 0) return JSON.stringify(value);
    return JSON.stringify(value, (_key, item: unknown) =>
      typeof item === 'string' ? this.redact(item) : item,
    );
  }

  /** A copy of a JSON-like value with every string in it redacted (objects and arrays walked). */
  redactDeep<T>(value: T): T {
    if (this.#forms.size === 0) return value;
    return this.#walk(value, 0) as T;
  }

  #walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (typeof value !== 'object' || value === null || depth > 64) return value;
    if (Array.isArray(value)) return value.map((item) => this.#walk(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = this.#walk(item, depth + 1);
    return out;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const KEY = Symbol.for('flowtel.secrets.v1');

/** This process's registry, shared by every copy of flowtel loaded in it. */
export function processSecrets(): SecretRegistry {
  const globals = globalThis as Record<symbol, unknown>;
  const existing = globals[KEY];
  if (existing instanceof SecretRegistry) return existing;
  // Another copy of flowtel made it: a different class, the same methods.
  if (existing !== undefined) return existing as SecretRegistry;
  const registry = new SecretRegistry();
  globals[KEY] = registry;
  return registry;
}

/** Shorthand for `processSecrets().redact(text)`. */
export function redactSecrets(text: string): string {
  return processSecrets().redact(text);
}
