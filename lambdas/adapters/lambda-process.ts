/**
 * `node:process` in the Lambda bundles (aliased at bundling, infra/constructs/lambda.ts): the
 * members of the global `process` the bundled code imports, the very same objects. Importing
 * `node:process` into an ES module makes Node build a module namespace of every member of
 * `process` — about 5 ms of each cold start on Node 24 — for the two values the SDK reads from it.
 * A dependency that imports any other member fails the bundling ("No matching export"), never
 * the function.
 */
export const { env, versions } = process;
export default process;
