/**
 * Values built on first use instead of at module load. A Lambda bundle holds every vendor's zod
 * schemas; building them all (and warming zod up doing so) was a large part of a cold start's
 * module load, though a function receives a few vendors at most. `lazy(() => z.object(…))` stands
 * for the schema itself — same type, every property and method, `instanceof` — and builds it
 * the first time anything is asked of it.
 */
const BUILT = Symbol('lazy: the built value');
let builds = 0;

/** How many lazy values this process has built so far (the tests check that loading a handler builds none). */
export const lazyBuilds = () => builds;

export function lazy<T extends object>(build: () => T): T {
  let value: T | undefined;
  const get = (): T => (value ??= (builds++, build()));
  return new Proxy({} as T, {
    get: (_, p) => (p === BUILT ? get() : Reflect.get(get(), p)),
    set: (_, p, v) => Reflect.set(get(), p, v),
    has: (_, p) => Reflect.has(get(), p),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_, p) => {
      const d = Reflect.getOwnPropertyDescriptor(get(), p);
      return d && { ...d, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(get()),
  });
}

/**
 * The built value behind a `lazy` one (itself for any other value): a schema built from lazy ones
 * holds them through this, so parsing does not pass through the stand-in at every field.
 */
export const built = <T>(x: T): T => ((typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BUILT]) as T) || x;
