/**
 * Validates an OCSF event against the 1.3.0 definitions in test/fixtures/ocsf/ (generated from the
 * OCSF schema repository by scripts/ocsf-subset.ts), following the checks of the OCSF server's
 * event validator: class, category and type uids and names consistent; required attributes
 * present; no attribute the class or object does not define (profile attributes only with their
 * profile in `metadata.profiles`); types; enum values and their siblings; `at_least_one` and
 * `just_one` constraints — recursively through every object.
 */
import { readFileSync } from 'node:fs';

interface AttrDef { type: string; requirement: string; is_array?: boolean; sibling?: string; profile?: string; enum?: Record<string, string> }
interface Def { caption: string; attributes: Record<string, AttrDef>; constraints?: { at_least_one?: string[]; just_one?: string[] } }
interface ClassDef extends Def { uid: number; category_uid: number; category_name: string }
export interface OcsfSubset {
  source: { repository: string; tag: string; commit: string };
  version: string;
  classes: Record<string, ClassDef>;
  objects: Record<string, Def>;
  types: Record<string, { base: string; regex?: string }>;
}

export const loadOcsfSubset = (): OcsfSubset =>
  JSON.parse(readFileSync(new URL('../fixtures/ocsf/ocsf-1.3.0-subset.json', import.meta.url), 'utf8')) as OcsfSubset;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The uids are checked against the class itself: their dictionary enums only hold the base event's 0. */
const UID_ATTRS = new Set(['class_uid', 'category_uid', 'type_uid']);

function typeError(s: OcsfSubset, type: string, v: unknown): string | undefined {
  let base = type;
  for (let i = 0; i < 3 && s.types[base]?.base && s.types[base]!.base !== base; i++) base = s.types[base]!.base;
  const ok = base === 'boolean_t' ? typeof v === 'boolean'
    : base === 'integer_t' || base === 'long_t' ? Number.isInteger(v)
      : base === 'float_t' ? typeof v === 'number' && Number.isFinite(v)
        : base === 'json_t' ? true
          : base === 'string_t' ? typeof v === 'string' : false;
  if (!ok) return `expected ${type}, got ${JSON.stringify(v)}`;
  const re = s.types[type]?.regex;
  if (re && typeof v === 'string' && !new RegExp(re).test(v)) return `${JSON.stringify(v)} is not a valid ${type}`;
  return undefined;
}

function check(s: OcsfSubset, def: Def, item: Record<string, unknown>, path: string, profiles: readonly string[], errors: string[]): void {
  const applies = (a: AttrDef) => !a.profile || profiles.includes(a.profile);
  for (const [name, a] of Object.entries(def.attributes)) {
    if (a.requirement === 'required' && applies(a) && !(name in item)) errors.push(`${path}${name}: required attribute missing`);
  }
  for (const [name, v] of Object.entries(item)) {
    const at = `${path}${name}`;
    const a = def.attributes[name];
    if (!a) { errors.push(`${at}: not an attribute of ${def.caption}`); continue; }
    if (!applies(a)) { errors.push(`${at}: belongs to profile ${a.profile}, which metadata.profiles does not list`); continue; }
    if (v === null || v === undefined) { errors.push(`${at}: null (leave the attribute out instead)`); continue; }
    const values = a.is_array ? v : [v];
    if (a.is_array && !Array.isArray(v)) { errors.push(`${at}: expected an array`); continue; }
    (values as unknown[]).forEach((x, i) => {
      const p = a.is_array ? `${at}[${i}]` : at;
      if (a.type === 'object') { if (!isObject(x)) errors.push(`${p}: expected an object`); return; }
      const obj = s.objects[a.type];
      if (obj || !a.type.endsWith('_t')) {
        if (!obj) { errors.push(`${p}: object ${a.type} is not in the schema subset (add it to scripts/ocsf-subset.ts)`); return; }
        if (!isObject(x)) { errors.push(`${p}: expected a ${a.type} object`); return; }
        check(s, obj, x, `${p}.`, profiles, errors);
        return;
      }
      const t = typeError(s, a.type, x);
      if (t) { errors.push(`${p}: ${t}`); return; }
      if (a.enum && !UID_ATTRS.has(name)) {
        const caption = a.enum[String(x)];
        if (caption === undefined) errors.push(`${p}: ${String(x)} is not in the enum (${Object.keys(a.enum).join(', ')})`);
        else if (a.sibling && a.sibling in item && x !== 99 && item[a.sibling] !== caption) errors.push(`${path}${a.sibling}: "${String(item[a.sibling])}" is not the caption of ${name} ${String(x)} ("${caption}")`);
      }
    });
  }
  const c = def.constraints;
  if (c?.at_least_one && !c.at_least_one.some((k) => k in item)) errors.push(`${path || def.caption + ' '}: needs at least one of ${c.at_least_one.join(', ')}`);
  if (c?.just_one && c.just_one.filter((k) => k in item).length !== 1) errors.push(`${path || def.caption + ' '}: needs exactly one of ${c.just_one.join(', ')}`);
}

/** Every finding for one event; an empty list means it is a valid OCSF event of its class. */
export function validateOcsf(s: OcsfSubset, event: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const cls = Object.values(s.classes).find((c) => c.uid === event['class_uid']);
  if (!cls) return [`class_uid ${String(event['class_uid'])} is not one of the classes in the subset`];
  if (event['category_uid'] !== cls.category_uid) errors.push(`category_uid ${String(event['category_uid'])} is not ${cls.caption}'s category ${cls.category_uid}`);
  if ('class_name' in event && event['class_name'] !== cls.caption) errors.push(`class_name "${String(event['class_name'])}" is not "${cls.caption}"`);
  if ('category_name' in event && event['category_name'] !== cls.category_name) errors.push(`category_name "${String(event['category_name'])}" is not "${cls.category_name}"`);
  const activity = event['activity_id'];
  if (typeof activity === 'number' && event['type_uid'] !== cls.uid * 100 + activity) errors.push(`type_uid ${String(event['type_uid'])} is not class_uid * 100 + activity_id = ${cls.uid * 100 + activity}`);
  if ('type_name' in event && typeof event['activity_name'] === 'string' && event['type_name'] !== `${cls.caption}: ${event['activity_name']}`) errors.push(`type_name "${String(event['type_name'])}" is not "${cls.caption}: ${String(event['activity_name'])}"`);
  const metadata = event['metadata'];
  const profiles = isObject(metadata) && Array.isArray(metadata['profiles']) ? (metadata['profiles'] as string[]) : [];
  if (isObject(metadata) && metadata['version'] !== s.version) errors.push(`metadata.version "${String(metadata['version'])}" is not ${s.version}`);
  check(s, cls, event, '', profiles, errors);
  return errors;
}
