/**
 * `npm start` reads and checks every pull source's credentials before starting anything, as the
 * first poll would: a bad one stops the start with one line per source, not a failed poll 60 s later.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, parseConfig } from '../../lambdas/core/config.ts';
import { startLocal } from '../../local/dev.ts';

const arn = (n: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:authtrail/${n}`;
const sm = mockClient(SecretsManagerClient);
const home = mkdtempSync(join(tmpdir(), 'authtrail-pull-start-'));
after(() => { sm.restore(); rmSync(home, { recursive: true, force: true }); });

describe('pull credentials are checked at start', () => {
  it('refuses to start with one line per bad source, before any stand-in starts', async () => {
    sm.on(GetSecretValueCommand, { SecretId: arn('duo-skey') }).resolves({ SecretString: '' });
    sm.on(GetSecretValueCommand, { SecretId: arn('google-key') }).resolves({ SecretString: JSON.stringify({ client_email: 'svc@x.iam.gserviceaccount.com' }) });
    sm.on(GetSecretValueCommand, { SecretId: arn('okta-token') }).resolves({ SecretString: 'okta-api-token' });
    sm.on(GetSecretValueCommand, { SecretId: arn('gone') }).rejects(Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' }));
    // Each passes the config check (a credential in Secrets Manager counts as present there)...
    const config = parseConfig({
      tenants: [{ id: 'acme', name: 'Acme' }],
      sources: [
        { id: 'acme-duo', tenant: 'acme', kind: 'duo', pull: { baseUrl: 'http://127.0.0.1:9/duo', integrationKey: 'DI1', secretKeySecretArn: arn('duo-skey') } },
        { id: 'acme-google', tenant: 'acme', kind: 'google_workspace', pull: { baseUrl: 'http://127.0.0.1:9/google', subject: 'admin@acme.example', serviceAccountKeySecretArn: arn('google-key') } },
        { id: 'acme-okta', tenant: 'acme', kind: 'okta', pull: { baseUrl: 'http://127.0.0.1:9/okta', apiTokenSecretArn: arn('okta-token') } },
        { id: 'acme-jc', tenant: 'acme', kind: 'jumpcloud', pull: { baseUrl: 'http://127.0.0.1:9/jc', apiKeySecretArn: arn('gone') } },
      ],
    });
    // ...but not once the secrets are read.
    let message = '';
    await assert.rejects(startLocal({ config, home, port: 0, log: () => undefined }), (err: unknown) => err instanceof ConfigError && !!(message = err.message));
    const lines = message.split('\n');
    assert.match(lines[0]!, /^pull settings are invalid; fix them/);
    assert.equal(lines.length, 4, message);
    assert.match(lines[1]!, /^source acme-duo: secret arn:\S+duo-skey \(AWSCURRENT\) is empty or binary/);
    assert.match(lines[2]!, /^source acme-google: pull settings are invalid; pull\.serviceAccountKey\.private_key: /);
    assert.match(lines[3]!, /^source acme-jc: cannot read secret arn:\S+gone \(AWSCURRENT\): ResourceNotFoundException: Secrets Manager can't find the specified secret\.$/);
    assert.doesNotMatch(message, /acme-okta/);
    assert.equal(existsSync(join(home, 'dynamodb')), false, 'nothing was started');
  });
});
