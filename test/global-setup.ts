import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Before any test file: the Debian packages some tests need (Prometheus for the dashboard proofs), so
 * that `npm test` on a fresh machine is all it takes. The script does nothing when they are installed.
 */
export default function setup(): void {
  const script = resolve(import.meta.dirname, '../scripts/install-apt.sh');
  try {
    execFileSync('bash', [script], { stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `scripts/install-apt.sh could not install what the tests need${stderr ? `:\n${stderr}` : ''}`,
    );
  }
}
