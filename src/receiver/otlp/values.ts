/**
 * The parts every signal shares: AnyValue, attribute lists, resource, instrumentation scope, and
 * the resource → scope → item nesting of an export request.
 */
import { OtlpDecodeError } from './errors.ts';
import type { Attributes, AttrValue, DecodedScope } from './types.ts';
import { boolean, bytes, double, int64, isSet, list, object, string, type WireObject } from './wire.ts';

/** Deeper nesting than this is refused rather than risking the stack on hostile input. */
const MAX_DEPTH = 32;

export function anyValue(value: unknown, path: string, depth = 0): AttrValue {
  if (depth > MAX_DEPTH) {
    throw new OtlpDecodeError('invalid-field', `${path}: values nested deeper than ${MAX_DEPTH} levels`);
  }
  const any = object(value, path);
  // A oneof: the first field that is set wins (an encoder sets at most one).
  if (isSet(any.stringValue)) return string(any.stringValue, `${path}.stringValue`);
  if (isSet(any.boolValue)) return boolean(any.boolValue, `${path}.boolValue`);
  if (isSet(any.intValue)) return int64(any.intValue, `${path}.intValue`);
  if (isSet(any.doubleValue)) return double(any.doubleValue, `${path}.doubleValue`);
  if (isSet(any.arrayValue)) {
    const arrayPath = `${path}.arrayValue.values`;
    const values = list(object(any.arrayValue, `${path}.arrayValue`).values, arrayPath);
    return values.map((item, i) => anyValue(item, `${arrayPath}[${i}]`, depth + 1));
  }
  if (isSet(any.kvlistValue)) {
    const kvPath = `${path}.kvlistValue.values`;
    return keyValues(object(any.kvlistValue, `${path}.kvlistValue`).values, kvPath, depth + 1);
  }
  if (isSet(any.bytesValue)) return bytes(any.bytesValue, `${path}.bytesValue`);
  return null;
}

function keyValues(value: unknown, path: string, depth: number): Attributes {
  const result: Attributes = {};
  list(value, path).forEach((entry, i) => {
    const keyValue = object(entry, `${path}[${i}]`);
    const key = string(keyValue.key, `${path}[${i}].key`);
    // defineProperty, so that a key such as "__proto__" is data, not a prototype change.
    Object.defineProperty(result, key, {
      value: anyValue(keyValue.value, `${path}[${i}].value`, depth),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
  return result;
}

/** A `repeated KeyValue` as a record; a repeated key keeps its last value. */
export function attributes(value: unknown, path: string): Attributes {
  return keyValues(value, path, 0);
}

export function scope(value: unknown, path: string): DecodedScope {
  const scopeObject = object(value, path);
  const version = string(scopeObject.version, `${path}.version`);
  return {
    name: string(scopeObject.name, `${path}.name`),
    ...(version ? { version } : {}),
    attributes: attributes(scopeObject.attributes, `${path}.attributes`),
  };
}

/** Where an item sits in a request, and the resource and scope it belongs to. */
export interface ItemContext {
  path: string;
  resource: Attributes;
  scope: DecodedScope;
}

/**
 * Walks `request[resourceKey][i][scopeKey][j][itemKey][k]` (e.g. resourceSpans → scopeSpans →
 * spans) and maps every item, with its path and the resource and scope it belongs to.
 */
export function mapScopedItems<T>(
  request: unknown,
  keys: { resource: string; scope: string; item: string },
  map: (item: WireObject, context: ItemContext) => T | undefined,
): T[] {
  const results: T[] = [];
  const top = object(request, '');
  list(top[keys.resource], keys.resource).forEach((resourceEntry, i) => {
    const resourcePath = `${keys.resource}[${i}]`;
    const resourceItems = object(resourceEntry, resourcePath);
    const resourceObject = object(resourceItems.resource, `${resourcePath}.resource`);
    const resource = attributes(resourceObject.attributes, `${resourcePath}.resource.attributes`);
    list(resourceItems[keys.scope], `${resourcePath}.${keys.scope}`).forEach((scopeEntry, j) => {
      const scopePath = `${resourcePath}.${keys.scope}[${j}]`;
      const scopeItems = object(scopeEntry, scopePath);
      const itemScope = scope(scopeItems.scope, `${scopePath}.scope`);
      list(scopeItems[keys.item], `${scopePath}.${keys.item}`).forEach((item, k) => {
        const path = `${scopePath}.${keys.item}[${k}]`;
        const mapped = map(object(item, path), { path, resource, scope: itemScope });
        if (mapped !== undefined) results.push(mapped);
      });
    });
  });
  return results;
}
