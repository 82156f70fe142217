/**
 * Writes test/fixtures/ocsf/ocsf-1.3.0-subset.json: the OCSF 1.3.0 definitions of the event
 * classes authtrail exports and the objects they carry (attributes with requirement, type, array
 * flag and enum; constraints; category and class uids), compiled from a clone of the OCSF schema
 * repository at its tag the way the OCSF server compiles them (a class or object inherits along
 * `extends` and `$include`, an attribute is the dictionary entry deep-merged with each level's
 * override, so enums are the union). The tests validate every exported event against it.
 *
 *   git clone https://github.com/ocsf/ocsf-schema && node --import tsx scripts/ocsf-subset.ts ocsf-schema 1.3.0
 *
 * Only `git show <tag>:<path>` is read, so a bare mirror works as well as a checkout.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

type Json = Record<string, unknown>;
type Attr = Json & { requirement?: string; type?: string; is_array?: boolean; enum?: Record<string, Json>; sibling?: string; profile?: string | null };

/** The classes authtrail emits (lambdas/core/ocsf.ts) and the objects reachable from what it fills in. */
const CLASSES = ['iam/authentication', 'iam/account_change', 'iam/entity_management', 'iam/user_access', 'iam/group_management'];
const OBJECTS = [
  'metadata', 'product', 'user', 'account', 'network_endpoint', 'location', 'device', 'os', 'http_request', 'service',
  'session', 'actor', 'policy', 'group', 'managed_entity', 'organization', 'idp',
];

const [repo, tag = '1.3.0'] = process.argv.slice(2);
if (!repo) {
  process.stderr.write('usage: node --import tsx scripts/ocsf-subset.ts <clone of github.com/ocsf/ocsf-schema> [tag]\n');
  process.exit(2);
}
const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const show = (path: string): Json => JSON.parse(git('show', `${tag}:${path}`)) as Json;
const commit = git('rev-parse', `${tag}^{commit}`).trim();
const version = (show('version.json') as { version: string }).version;

const dictionary = show('dictionary.json') as { attributes: Record<string, Attr>; types: { attributes: Record<string, Json> } };
const categories = (show('categories.json') as { attributes: Record<string, { uid: number; caption: string }> }).attributes;

function deepMerge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = prev && typeof prev === 'object' && !Array.isArray(prev) && v && typeof v === 'object' && !Array.isArray(v) ? deepMerge(prev as Json, v as Json) : v;
  }
  return out;
}

/** A file's own attributes with its `$include`s expanded first (a profile's attributes remember the profile). */
function ownAttributes(file: Json): Record<string, Attr> {
  let attrs: Record<string, Attr> = {};
  const raw = (file['attributes'] ?? {}) as Record<string, unknown>;
  const includes = raw['$include'];
  for (const inc of (Array.isArray(includes) ? includes : includes ? [includes] : []) as string[]) {
    const f = show(inc);
    const profile = inc.startsWith('profiles/') ? String(f['name']) : null;
    for (const [k, v] of Object.entries(ownAttributes(f))) attrs[k] = deepMerge(attrs[k] ?? {}, profile ? { ...v, profile } : v);
  }
  for (const [k, v] of Object.entries(raw)) {
    if (k === '$include') continue;
    // A level that declares an attribute itself makes it part of the definition, whatever profile brought it in before.
    attrs = { ...attrs, [k]: deepMerge(attrs[k] ? { ...attrs[k], profile: null } : {}, v as Json) };
  }
  return attrs;
}

/** Walks `extends` to the root, merging each level's attributes over its parent's. */
function resolve(dir: string, name: string): { file: Json; attributes: Record<string, Attr>; constraints: Json | undefined } {
  const file = show(`${dir}/${name}.json`);
  const parentName = file['extends'] as string | undefined;
  let attributes: Record<string, Attr> = {};
  let constraints: Json | undefined;
  if (parentName && parentName !== 'object') {
    // Events extend within their category folder or the base event; objects extend objects.
    const parentPath = dir.startsWith('events') ? (parentName === 'base_event' ? 'events' : dir) : dir;
    const parent = resolve(parentPath, parentName);
    attributes = parent.attributes;
    constraints = parent.constraints;
  }
  for (const [k, v] of Object.entries(ownAttributes(file))) attributes[k] = deepMerge(attributes[k] ?? {}, v);
  if (file['constraints']) constraints = file['constraints'] as Json;
  return { file, attributes, constraints };
}

/** The attribute as a validator needs it: dictionary entry + overrides, descriptions dropped. */
function finish(attrs: Record<string, Attr>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, over] of Object.entries(attrs).sort(([a], [b]) => a.localeCompare(b))) {
    const dict = dictionary.attributes[name];
    if (!dict) throw new Error(`attribute ${name} is not in the dictionary`);
    const a = deepMerge(dict, over) as Attr;
    const e: Json = { type: a.type, requirement: a.requirement ?? 'optional' };
    if (a.is_array) e['is_array'] = true;
    if (a.sibling) e['sibling'] = a.sibling;
    if (a.profile) e['profile'] = a.profile;
    if (a.enum) e['enum'] = Object.fromEntries(Object.entries(a.enum).map(([k, v]) => [k, v['caption']]).sort(([x], [y]) => Number(x) - Number(y)));
    out[name] = e;
  }
  return out;
}

const classes: Json = {};
for (const path of CLASSES) {
  const [folder, name] = path.split('/') as [string, string];
  const r = resolve(`events/${folder}`, name);
  const category = show(`events/${folder}/${folder}.json`)['category'] as string;
  const cat = categories[category]!;
  classes[name] = {
    caption: r.file['caption'], category, category_uid: cat.uid, category_name: cat.caption,
    uid: cat.uid * 1000 + (r.file['uid'] as number),
    attributes: finish(r.attributes), ...(r.constraints ? { constraints: r.constraints } : {}),
  };
}
const objects: Json = {};
for (const name of OBJECTS) {
  const r = resolve('objects', name);
  objects[name] = { caption: r.file['caption'], attributes: finish(r.attributes), ...(r.constraints ? { constraints: r.constraints } : {}) };
}
const types = Object.fromEntries(Object.entries(dictionary.types.attributes).map(([k, v]) => [k, { base: v['type'] ?? k, ...(v['regex'] ? { regex: v['regex'] } : {}) }]));

const out = {
  source: { repository: 'https://github.com/ocsf/ocsf-schema', tag, commit, generated_by: 'scripts/ocsf-subset.ts' },
  version, classes, objects, types,
};
const file = new URL(`../test/fixtures/ocsf/ocsf-${version}-subset.json`, import.meta.url);
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`wrote ${file.pathname}: ${CLASSES.length} classes, ${OBJECTS.length} objects from ${tag} (${commit})\n`);
