import { describe, expect, it } from 'vitest';
import { possibleSecrets } from '../../src/cli/secrets.ts';
import { describeUnexpected } from '../../src/cli/unexpected.ts';
import { FIXTURES, runCli } from '../support/cli.ts';

describe('what the CLI treats as secret', () => {
  it('keeps the working directory readable in a stack trace although PWD looks like "pwd"', () => {
    const env = {
      PWD: '/home/ci/pipelines',
      OLDPWD: '/home/ci',
      SLACK_WEBHOOK_URL: 'https://h.example/T0/B0/xyzSecret99',
    };
    const printed = describeUnexpected(
      new Error('cannot read /home/ci/pipelines/etl.ts via https://h.example/T0/B0/xyzSecret99'),
      env,
      [],
    );
    expect(printed).toContain('/home/ci/pipelines/etl.ts');
    expect(printed).not.toContain('xyzSecret99');
  });

  it('takes only the secret parts of a URL variable, so spans that name its host stay readable', () => {
    const secrets = possibleSecrets(
      {
        API_URL: 'http://127.0.0.1:8080/orders',
        EXPORT_URL: 'https://files.example.com/drop/aB3xK9pQ2w?sig=Zq81LmNo',
      },
      [],
    );
    expect(secrets).toEqual(['aB3xK9pQ2w', 'Zq81LmNo']);
  });

  it('takes the password of any URL-valued variable, not the rest of the URL', () => {
    const secrets = possibleSecrets(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://tenant:0tlp-Passw0rd@otlp.example.com' },
      [],
    );
    expect(secrets).toEqual(['0tlp-Passw0rd']);
  });

  it('does not echo the text around a --params-json mistake, which may be a secret', async () => {
    for (const json of ['{"apiToken":s3cr3tvalue}', '{"apiToken":"s3cr3tvalue']) {
      const run = await runCli(['run', `${FIXTURES}/ok.ts`, '--params-json', json], {
        env: { FLOWTEL_ALERTING: 'off', OTEL_SDK_DISABLED: 'true' },
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^flowtel: --params-json is not valid JSON \(/);
      expect(run.stderr).not.toContain('s3cr3t');
    }
  });
});
