/**
 * The guard in front of the local S3 stand-in (s3rver). s3rver lets anonymous requests through,
 * does not check SigV4 signatures at all (only that the access key id exists) and joins decoded
 * bucket names, keys, `uploadId` and `partNumber` into filesystem paths, so `..%2F` in a key
 * wrote outside its directory. Every request passes `checkS3Request` before s3rver sees it:
 *
 * - addressed to a loopback Host (DNS rebinding; and s3rver would take a non-IP Host as a bucket
 *   name), with no `Origin` and no cross-site `Sec-Fetch-Site` (no web page drives it);
 * - signed with AWS SigV4 (Authorization header or presigned query) with the local credentials,
 *   the signature recomputed here and compared in constant time, within the clock-skew window;
 * - a path, `x-amz-copy-source`, `uploadId` and `partNumber` that cannot name anything outside
 *   the bucket directory: no `.`/`..` segment and no backslash or NUL however many times it is
 *   percent-decoded, a valid bucket name, and a resolved path inside the bucket's directory.
 *
 * `confineStore` also makes s3rver's filesystem store itself refuse any path outside its root,
 * in case a request reaches it some way this guard did not foresee (keys in a request body).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { resolve, sep } from 'node:path';
import type S3rver from 's3rver';
import { isLoopbackHost } from './loopback.ts';

export interface S3Credentials { readonly accessKeyId: string; readonly secretAccessKey: string }

export interface S3Refusal { status: number; code: string; message: string }

/** S3's clock-skew window for header-signed requests. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const refuse = (status: number, code: string, message: string): S3Refusal => ({ status, code, message });

/** An S3 error document, as s3rver and S3 answer them. */
export function s3ErrorXml(r: S3Refusal): string {
  const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(r.code)}</Code><Message>${esc(r.message)}</Message></Error>`;
}

/**
 * The forms a path (or key) takes when decoded once, twice, … until it no longer changes.
 * Returns undefined when the first decoding fails (s3rver's router could not decode it either).
 */
function decodings(raw: string): string[] | undefined {
  const out = [raw];
  let cur = raw;
  for (let i = 0; i < 4; i++) {
    let next: string;
    try { next = decodeURIComponent(cur); } catch {
      if (i === 0) return undefined;
      break;
    }
    if (next === cur) break;
    out.push(next);
    cur = next;
  }
  return out;
}

/** Whether a (decoded) key or path could climb out of its directory or confuse the filesystem. */
export function unsafeKey(key: string): boolean {
  return /[\\\0]/.test(key) || key.split('/').some((s) => s === '.' || s === '..');
}

/** Checks a bucket + key (both decoded once, as s3rver's router decodes them) and every further decoding. */
function checkLocation(directory: string, rawPath: string): S3Refusal | undefined {
  const forms = decodings(rawPath);
  if (!forms) return refuse(400, 'InvalidURI', 'Could not parse the specified URI.');
  if (forms.some(unsafeKey)) return refuse(400, 'InvalidURI', 'The key or bucket may not contain "." or ".." segments, backslashes or NUL, in any encoding.');
  // As s3rver's router splits it: /:bucket/:key* with each parameter decoded once.
  const segments = rawPath.split('/').slice(1);
  if (segments.length === 1 && segments[0] === '') return undefined; // ListBuckets
  let bucket: string; let key: string;
  try {
    bucket = decodeURIComponent(segments[0] ?? '');
    key = decodeURIComponent(segments.slice(1).join('/'));
  } catch { return refuse(400, 'InvalidURI', 'Could not parse the specified URI.'); }
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) return refuse(400, 'InvalidBucketName', 'The specified bucket is not valid.');
  const bucketDir = resolve(directory, bucket);
  const target = resolve(bucketDir, ...key.split('/'));
  if (target !== bucketDir && !target.startsWith(bucketDir + sep)) return refuse(400, 'InvalidURI', 'The key resolves outside its bucket.');
  return undefined;
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const uriEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The query as raw `[key, value]` pairs, percent-decoded (a `+` stays a `+`, as S3 reads it). */
function queryPairs(rawQuery: string): [string, string][] | undefined {
  const out: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const [k, v] = i < 0 ? [part, ''] : [part.slice(0, i), part.slice(i + 1)];
    try { out.push([decodeURIComponent(k), decodeURIComponent(v)]); } catch { return undefined; }
  }
  return out;
}

const sha256hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

/** Parses `yyyyMMddTHHmmssZ`. */
function amzDate(s: string | undefined): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Recomputes the SigV4 signature of the request and compares it with the one presented. */
function checkSignature(req: IncomingMessage, rawPath: string, rawQuery: string, credentials: S3Credentials, now: number): S3Refusal | undefined {
  const denied = (message: string) => refuse(403, 'AccessDenied', message);
  const pairs = queryPairs(rawQuery);
  if (!pairs) return refuse(400, 'InvalidArgument', 'The query string is not valid percent-encoding.');
  const q = new Map(pairs);
  const authorization = header(req, 'authorization');
  const presigned = q.has('X-Amz-Algorithm') || q.has('X-Amz-Signature');
  if (authorization && presigned) return refuse(400, 'InvalidArgument', 'Only one auth mechanism allowed.');
  let credential: string; let signedHeaders: string; let signature: string; let date: string; let payloadHash: string;
  if (authorization) {
    const m = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/.exec(authorization);
    if (!m) return denied('Only AWS Signature Version 4 (AWS4-HMAC-SHA256) is accepted by the local S3.');
    [credential, signedHeaders, signature] = [m[1]!, m[2]!, m[3]!];
    date = header(req, 'x-amz-date') ?? '';
    const t = amzDate(date);
    if (Number.isNaN(t)) return denied('AWS authentication requires a valid x-amz-date header.');
    if (Math.abs(now - t) > MAX_SKEW_MS) return refuse(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
    payloadHash = header(req, 'x-amz-content-sha256') ?? '';
    if (!/^(UNSIGNED-PAYLOAD|[0-9a-f]{64}|STREAMING-[A-Z0-9-]+)$/.test(payloadHash)) return refuse(400, 'InvalidRequest', 'Missing or invalid x-amz-content-sha256.');
  } else if (presigned) {
    if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return denied('Only AWS Signature Version 4 (AWS4-HMAC-SHA256) is accepted by the local S3.');
    credential = q.get('X-Amz-Credential') ?? ''; signedHeaders = q.get('X-Amz-SignedHeaders') ?? '';
    signature = q.get('X-Amz-Signature') ?? ''; date = q.get('X-Amz-Date') ?? '';
    const t = amzDate(date);
    const expires = Number(q.get('X-Amz-Expires') ?? NaN);
    if (!/^[0-9a-f]{64}$/.test(signature) || Number.isNaN(t) || !Number.isInteger(expires) || expires < 1 || expires > 604_800) return denied('The presigned URL is malformed.');
    if (now > t + expires * 1000 || t > now + MAX_SKEW_MS) return denied('Request has expired.');
    payloadHash = pairs.find(([k]) => k.toLowerCase() === 'x-amz-content-sha256')?.[1] ?? 'UNSIGNED-PAYLOAD';
  } else {
    return denied('The local S3 accepts only requests signed with AWS Signature Version 4 and the local credentials (endpoints.json).');
  }
  // aws-chunked bodies would be stored with their chunk signatures inside (s3rver does not decode them).
  if (payloadHash.startsWith('STREAMING-')) return refuse(501, 'NotImplemented', 'aws-chunked uploads are not supported by the local S3; create the S3 client with requestChecksumCalculation: WHEN_REQUIRED.');
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[3] !== 's3' || scope[4] !== 'aws4_request' || scope[1] !== date.slice(0, 8)) return denied('The credential scope is not valid for S3.');
  const [accessKeyId, day, region] = scope as [string, string, string, string, string];
  const names = signedHeaders.split(';');
  if (!names.includes('host') || names.some((n) => !n || n !== n.toLowerCase())) return denied('SignedHeaders must list host, in lowercase.');
  if (authorization && !names.includes('x-amz-date')) return denied('SignedHeaders must include x-amz-date.');
  const canonicalHeaders = names.map((n) => {
    const v = header(req, n);
    return `${n}:${(v ?? '').trim().replace(/\s+/g, ' ')}\n`;
  }).join('');
  const canonicalQuery = pairs.filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
  // S3 signs the path as sent (it is not normalized or encoded again).
  const canonicalRequest = [req.method ?? 'GET', rawPath, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope.slice(1).join('/'), sha256hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), 's3'), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest();
  const presented = Buffer.from(signature, 'hex');
  // The access key is compared too, in the same constant-time way.
  const keyOk = timingSafeEqual(createHash('sha256').update(accessKeyId).digest(), createHash('sha256').update(credentials.accessKeyId).digest());
  if (!(presented.length === expected.length && timingSafeEqual(presented, expected)) || !keyOk) {
    return refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
  return undefined;
}

/** Why a request must not reach s3rver, or undefined when it may. */
export function checkS3Request(req: IncomingMessage, o: { directory: string; credentials: S3Credentials; port: number; now?: number }): S3Refusal | undefined {
  if (!isLoopbackHost(header(req, 'host'), o.port)) return refuse(403, 'AccessDenied', `The local S3 answers only requests addressed to 127.0.0.1:${o.port}, localhost:${o.port} or [::1]:${o.port}.`);
  const site = header(req, 'sec-fetch-site');
  if (req.headers.origin !== undefined || (site !== undefined && site !== 'none')) return refuse(403, 'AccessDenied', 'The local S3 does not answer requests made by web pages.');
  const url = req.url ?? '';
  if (!url.startsWith('/')) return refuse(400, 'InvalidURI', 'The request target must be a path.');
  const qi = url.indexOf('?');
  const rawPath = qi < 0 ? url : url.slice(0, qi);
  const rawQuery = qi < 0 ? '' : url.slice(qi + 1);
  const location = checkLocation(o.directory, rawPath);
  if (location) return location;
  const pairs = queryPairs(rawQuery);
  if (!pairs) return refuse(400, 'InvalidArgument', 'The query string is not valid percent-encoding.');
  for (const [k, v] of pairs) {
    if (k === 'uploadId' && !/^[0-9a-f]{1,64}$/i.test(v)) return refuse(404, 'NoSuchUpload', 'The specified upload does not exist.');
    if (k === 'partNumber' && !/^[1-9]\d{0,4}$/.test(v)) return refuse(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000.');
  }
  const copySource = header(req, 'x-amz-copy-source');
  if (copySource !== undefined) {
    const [src] = copySource.split('?');
    const bad = checkLocation(o.directory, `/${src!.replace(/^\/+/, '')}`);
    if (bad) return { ...bad, message: `x-amz-copy-source: ${bad.message}` };
  }
  // POST to a bucket is a browser form upload (which names its key in the form) unless `?delete`.
  const segments = rawPath.split('/').filter(Boolean);
  if (req.method === 'POST' && segments.length === 1 && !pairs.some(([k]) => k === 'delete')) return refuse(501, 'NotImplemented', 'Browser form uploads are not supported by the local S3.');
  return checkSignature(req, rawPath, rawQuery, o.credentials, o.now ?? Date.now());
}

type FilesystemStoreLike = S3rver['store'];

/**
 * Makes s3rver's filesystem store refuse (throw) before touching any path outside its root:
 * a second line behind `checkS3Request`, for keys that arrive in request bodies (DeleteObjects,
 * CompleteMultipartUpload) or anything else not foreseen.
 */
export function confineStore(store: FilesystemStoreLike, error: (message: string) => Error = (m) => Object.assign(new Error(m), { status: 400, expose: true })): void {
  const root = resolve(store.rootDirectory);
  const fail = (what: string) => { throw error(`the local S3 refuses ${what}`); };
  const inside = (p: string, dir: string) => {
    const r = resolve(p);
    if (r !== dir && !r.startsWith(dir + sep)) fail(`a path outside its directory (${JSON.stringify(p)})`);
    return p;
  };
  const bucketOk = (bucket: string) => { if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) fail(`the bucket name ${JSON.stringify(bucket)}`); };
  const getBucketPath = store.getBucketPath.bind(store);
  const getResourcePath = store.getResourcePath.bind(store);
  store.getBucketPath = (bucket) => { bucketOk(bucket); return inside(getBucketPath(bucket), root); };
  store.getResourcePath = (bucket, key, resource) => {
    bucketOk(bucket);
    if (key !== undefined && unsafeKey(key)) fail(`the key ${JSON.stringify(key)}`);
    if (unsafeKey(resource) || resource.includes('/')) fail(`the resource ${JSON.stringify(resource)}`);
    return inside(getResourcePath(bucket, key, resource), resolve(root, bucket));
  };
  const uploadOk = (id: string) => { if (!/^[0-9a-f]{1,64}$/i.test(String(id))) fail('an upload id that is not hex'); };
  const partOk = (n: unknown) => { if (!/^[1-9]\d{0,4}$/.test(String(n))) fail('a part number that is not an integer'); };
  const initiateUpload = store.initiateUpload.bind(store);
  const putPart = store.putPart.bind(store);
  const putObjectMultipart = store.putObjectMultipart.bind(store);
  store.initiateUpload = async (bucket, key, uploadId, metadata) => { uploadOk(uploadId); return initiateUpload(bucket, key, uploadId, metadata); };
  store.putPart = async (bucket, uploadId, partNumber, content) => { uploadOk(uploadId); partOk(partNumber); return putPart(bucket, uploadId, partNumber, content); };
  store.putObjectMultipart = async (bucket, uploadId, parts) => { uploadOk(uploadId); for (const p of parts) partOk(p.number); return putObjectMultipart(bucket, uploadId, parts); };
}
