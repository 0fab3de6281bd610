import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fittingLine, installSdk, SDK_LINES } from '../../src/otel/peer.ts';

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

describe('the optional peer dependencies', () => {
  it('accept each SDK line the missing-SDK message tells the user to install, at the same ranges', () => {
    for (const spec of [...SDK_LINES['2'], ...SDK_LINES['3']]) {
      const at = spec.lastIndexOf('@');
      const range = manifest.peerDependencies[spec.slice(0, at)] ?? '';
      expect(satisfiesLowest(range, spec.slice(at + 1)), `${spec} within '${range}'`).toBe(true);
    }
  });

  it('name the 3.x line for API 1.10 on Node >= 22.15, and the 2.x line otherwise', () => {
    expect(fittingLine(true, '24.22.3')).toBe('3');
    expect(fittingLine(true, '22.15.0')).toBe('3');
    expect(fittingLine(true, '22.14.0')).toBe('2');
    expect(fittingLine(false, '24.22.3')).toBe('2');
    expect(installSdk('3')).toContain('@opentelemetry/sdk-trace@^3.1.0');
    expect(installSdk('2')).toContain('@opentelemetry/sdk-trace@^2.12.0');
  });

  it('leave the API as the one required peer, and no SDK, SQLite or loader among the dependencies', () => {
    const required = Object.keys(manifest.peerDependencies).filter(
      (name) => !manifest.peerDependenciesMeta[name]?.optional,
    );
    expect(required).toEqual(['@opentelemetry/api']);
    expect(Object.keys(manifest.dependencies).filter((name) => /sdk|exporter|sqlite|tsx/.test(name))).toEqual(
      [],
    );
  });
});

/** Whether `range` (a few `||` alternatives of `^x.y.z` or `>=x.y.z <n`) accepts the lowest version of `caret`. */
function satisfiesLowest(range: string, caret: string): boolean {
  const version = caret.replace(/^\^/, '');
  return range.split(' || ').some((alternative) => {
    if (alternative === caret) return true;
    const bounds = /^>=(\S+) <(\S+)$/.exec(alternative);
    return bounds !== null && compare(version, bounds[1]!) >= 0 && compare(version, bounds[2]!) < 0;
  });
}

function compare(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) {
    const d = (x![i] ?? 0) - (y![i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
