/**
 * The report's charts: Vega-Lite specifications compiled and rendered to SVG in Node (vega's
 * headless view, no canvas and no browser), so report.html carries them inline and needs no
 * network to show them. Labels are measured by vega's estimate; fonts are the page's.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, gridColor: '#e5e7eb' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'top' },
  range: { category: ['#1f4e79', '#c0504d', '#e69f00', '#4d7c0f', '#6b7280'] },
} as const;

/** One chart as an SVG string; `title` becomes its accessible name. */
export async function renderChart(spec: TopLevelSpec, title: string): Promise<string> {
  const compiled = compile({ ...spec, config: CONFIG } as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // role and title: screen readers announce the chart; the tables beside it hold the numbers.
    return svg.replace(/^<svg /, `<svg role="img" aria-label="${title.replace(/[&<>"]/g, '')}" `);
  } finally {
    view.finalize();
  }
}

export function failuresSpec(days: readonly { day: string; failed_sign_ins: number; mfa_failures: number; mfa_denials: number }[]): TopLevelSpec {
  const values = days.flatMap((d) => [
    { day: d.day, kind: 'failed sign-ins', n: d.failed_sign_ins },
    { day: d.day, kind: 'MFA failures', n: d.mfa_failures },
    { day: d.day, kind: 'MFA denials', n: d.mfa_denials },
  ]);
  return {
    width: 640, height: 180, data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'day', type: 'ordinal', title: null, axis: { labelAngle: -45, labelOverlap: 'greedy' } },
      xOffset: { field: 'kind' },
      y: { field: 'n', type: 'quantitative', title: 'events', axis: { tickMinStep: 1 } },
      color: { field: 'kind', type: 'nominal', title: null },
    },
  };
}

export function factorMixSpec(rows: readonly { factor: string; sign_ins: number }[]): TopLevelSpec {
  return {
    width: 480, height: { step: 18 }, data: { values: [...rows] },
    mark: { type: 'bar', color: '#1f4e79' },
    encoding: {
      y: { field: 'factor', type: 'nominal', sort: '-x', title: null },
      x: { field: 'sign_ins', type: 'quantitative', title: 'successful sign-ins', axis: { tickMinStep: 1 } },
    },
  };
}

export function coverageByAppSpec(rows: readonly { app: string; mfa_coverage_percent: number | null }[]): TopLevelSpec {
  return {
    width: 480, height: { step: 18 }, data: { values: rows.filter((r) => r.mfa_coverage_percent !== null).slice(0, 30) },
    mark: { type: 'bar', color: '#4d7c0f' },
    encoding: {
      y: { field: 'app', type: 'nominal', sort: 'x', title: null },
      x: { field: 'mfa_coverage_percent', type: 'quantitative', title: 'MFA coverage (%)', scale: { domain: [0, 100] } },
    },
  };
}
