/**
 * Writes dashboards/*.json from the TypeScript dashboards (`npm run dashboards`). The committed JSON is
 * exactly what this writes; test/grafana/dashboards.test.ts regenerates it and compares.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { alertsDashboard } from './alerts.ts';
import { flowDetailDashboard } from './flow-detail.ts';
import { flowRunsDashboard } from './flow-runs.ts';

export const DASHBOARDS_DIR = fileURLToPath(new URL('../../dashboards/', import.meta.url));

/** File name in dashboards/ → its JSON text, as Grafana's file provisioning reads it. */
export function renderDashboards(): Map<string, string> {
  const dashboards = {
    'flow-runs.json': flowRunsDashboard(),
    'flow-detail.json': flowDetailDashboard(),
    'alerts.json': alertsDashboard(),
  };
  return new Map(
    Object.entries(dashboards).map(([file, builder]) => [
      file,
      `${JSON.stringify(numbered(builder.build()), null, 2)}\n`,
    ]),
  );
}

/**
 * The SDK leaves panel ids unset (rows at 0); Grafana's panel links, `viewPanel` URLs and library panels
 * need one unique id per panel, so they are numbered in order here.
 */
function numbered(dashboard: Dashboard): Dashboard {
  return {
    ...dashboard,
    panels: (dashboard.panels ?? []).map((panel, index) => ({ ...panel, id: index + 1 })),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, json] of renderDashboards()) {
    await writeFile(`${DASHBOARDS_DIR}${file}`, json);
    console.log(`wrote dashboards/${file}`);
  }
}
