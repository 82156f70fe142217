/**
 * The MFA truth tables: one `test/fixtures/<kind>/truth.json` per vendor says, for each vendor
 * event type and result, the `category`, `outcome`, `is_mfa` and `factor` it becomes and why.
 * The same rows drive the test that normalizes each row's fixture event and the README section an
 * auditor reads (`npm run truth-tables` rewrites it; a test fails when it is stale).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Category, Factor, Outcome, SourceKind } from '../../lambdas/core/event.ts';

export interface TruthRow {
  /** The vendor event type and result as an auditor would name it. */
  event: string;
  /** Fixture file under test/fixtures/<kind>/ and the `event_uid` of the row's sample in it. */
  fixture: string;
  uid: string;
  category: Category;
  outcome: Outcome;
  is_mfa: boolean | null;
  factor: Factor | null;
  /** Why, in a sentence, from the vendor's documentation (linked from the fixtures' README). */
  why: string;
}
export interface TruthTable { vendor: string; rows: TruthRow[] }

export const TRUTH_KINDS: SourceKind[] = ['okta', 'duo', 'entra', 'google_workspace', 'auth0', 'pingone', 'onelogin', 'jumpcloud', 'keycloak', 'aws_signin'];

export function truthTable(kind: SourceKind): TruthTable | null {
  const url = new URL(`../fixtures/${kind}/truth.json`, import.meta.url);
  return existsSync(url) ? (JSON.parse(readFileSync(url, 'utf8')) as TruthTable) : null;
}

export const TRUTH_START = '<!-- truth-tables:start (generated from test/fixtures/*/truth.json by `npm run truth-tables`) -->';
export const TRUTH_END = '<!-- truth-tables:end -->';

const cell = (v: unknown) => (v === null ? '—' : String(v).replace(/\|/g, '\\|'));

/** The README section between the markers. */
export function renderTruthTables(): string {
  const parts: string[] = [];
  for (const kind of TRUTH_KINDS) {
    const t = truthTable(kind);
    if (!t) continue;
    parts.push(`#### ${t.vendor}\n`, `Sources and sample events: [test/fixtures/${kind}/](test/fixtures/${kind}/README.md).\n`,
      '| vendor event | category | outcome | is_mfa | factor | why |', '|---|---|---|---|---|---|',
      ...t.rows.map((r) => `| ${cell(r.event)} | ${cell(r.category)} | ${cell(r.outcome)} | ${cell(r.is_mfa)} | ${cell(r.factor)} | ${cell(r.why)} |`), '');
  }
  return parts.join('\n');
}

export function readmeWithTruthTables(readme: string): string {
  const a = readme.indexOf(TRUTH_START);
  const b = readme.indexOf(TRUTH_END);
  if (a < 0 || b < a) throw new Error('README has no truth-tables markers');
  return `${readme.slice(0, a + TRUTH_START.length)}\n\n${renderTruthTables()}\n${readme.slice(b)}`;
}
