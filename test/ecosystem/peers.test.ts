import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SDK_PACKAGES } from '../../src/otel/peer.ts';

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

describe('the optional peer dependencies', () => {
  it('are what the missing-SDK message tells the user to install, at the same ranges', () => {
    for (const spec of SDK_PACKAGES) {
      const at = spec.lastIndexOf('@');
      expect(manifest.peerDependencies[spec.slice(0, at)], spec).toBe(spec.slice(at + 1));
    }
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
