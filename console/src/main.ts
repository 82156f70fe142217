/**
 * The authtrail console: a tenant's state at a glance, its alerts with their evidence, and a
 * user's or an IP's timeline — over the investigation API, with no framework and no request
 * beyond its own origin (and, deployed, the user pool's sign-in).
 */
import { api, ApiError, type Api, type Me } from './api.ts';
import { SignInNeeded, session, type Session, type Settings } from './auth.ts';
import { byId, h, replace } from './dom.ts';
import { searchKind } from './format.ts';
import { alertPage, overview, timelinePage, type Ctx } from './views.ts';

type Route =
  | { page: 'overview'; tenant: string; show: 'open' | 'all' }
  | { page: 'alert'; tenant: string; id: string }
  | { page: 'user' | 'ip'; tenant: string; value: string };

export function parseRoute(hash: string, fallback: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map((p) => { try { return decodeURIComponent(p); } catch { return p; } });
  if (parts[0] !== 't' || !parts[1]) return { page: 'overview', tenant: fallback, show: 'open' };
  const tenant = parts[1];
  const [kind, value] = [parts[2], parts.slice(3).join('/')];
  if (kind === 'alert' && value) return { page: 'alert', tenant, id: value };
  if ((kind === 'user' || kind === 'ip') && value) return { page: kind, tenant, value };
  return { page: 'overview', tenant, show: kind === 'alerts' && value === 'all' ? 'all' : 'open' };
}

const main = () => byId<HTMLElement>('main');

function status(text: string, error = false) {
  const el = byId<HTMLElement>('status');
  el.textContent = text;
  el.classList.toggle('error', error);
}

function signInForm(s: Session) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, minlength: 8, maxlength: 256 });
  replace(main(),
    h('h1', { tabindex: '-1' }, 'Sign in to the local console'),
    h('form', {
      class: 'signin',
      onsubmit: (e: Event) => { e.preventDefault(); s.useToken(input.value); location.hash = '#/'; location.reload(); },
    },
    h('label', { for: 'token' }, 'Local token'),
    input,
    h('p', { class: 'muted', id: 'token-help' }, 'Run ', h('code', {}, 'npx authtrail console'), ' for a link that signs you in, or copy localToken from endpoints.json in the collector\'s home.'),
    h('button', { type: 'submit' }, 'Sign in')));
  input.setAttribute('aria-describedby', 'token-help');
  input.focus();
}

function wire(me: Me, s: Session) {
  const select = byId<HTMLSelectElement>('tenant');
  replace(select, me.tenants.map((t) => h('option', { value: t.id }, t.name === t.id ? t.id : `${t.name} (${t.id})`)));
  select.addEventListener('change', () => { location.hash = `#/t/${encodeURIComponent(select.value)}`; });
  byId<HTMLFormElement>('search').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = byId<HTMLInputElement>('q').value.trim();
    if (q) location.hash = `#/t/${encodeURIComponent(select.value)}/${searchKind(q)}/${encodeURIComponent(q)}`;
  });
  const out = byId<HTMLButtonElement>('signout');
  out.hidden = false;
  out.addEventListener('click', () => s.signOut());
  byId<HTMLElement>('nav').hidden = false;
}

let generation = 0;

async function render(a: Api, me: Me, s: Session, focus: boolean) {
  const gen = ++generation;
  const route = parseRoute(location.hash, me.tenants[0]!.id);
  const tenant = me.tenants.find((t) => t.id === route.tenant);
  const el = main();
  if (!tenant) {
    replace(el, h('h1', { tabindex: '-1' }, 'Tenant not available'), h('p', {}, `You may not see tenant ${route.tenant}, or it does not exist. Pick one of yours above.`));
    return;
  }
  byId<HTMLSelectElement>('tenant').value = tenant.id;
  const settled = () => { if (focus && gen === generation) el.querySelector<HTMLElement>('h1')?.focus(); };
  const ctx: Ctx = { api: a, tenant, hotDays: me.hot_days, current: () => gen === generation, status, settled };
  status('');
  try {
    await (route.page === 'overview' ? overview(el, ctx, route.show)
      : route.page === 'alert' ? alertPage(el, ctx, route.id)
        : timelinePage(el, ctx, route.page, route.value));
  } catch (err) {
    if (gen !== generation) return;
    if (err instanceof SignInNeeded) { if (s.settings.auth === 'local') signInForm(s); else await s.signIn(); return; }
    status(err instanceof ApiError ? err.message : `Something failed: ${(err as Error).message}`, true);
  }
}

async function boot() {
  const settings = await (await fetch('config.json', { cache: 'no-store' })).json() as Settings;
  const s = session(settings);
  if (!(await s.start())) {
    if (settings.auth === 'local') return signInForm(s);
    return s.signIn();
  }
  const a = api(s);
  let me: Me;
  try {
    me = await a.me();
  } catch (err) {
    if (err instanceof SignInNeeded) return settings.auth === 'local' ? signInForm(s) : s.signIn();
    throw err;
  }
  wire(me, s);
  if (!me.tenants.length) {
    replace(main(), h('h1', { tabindex: '-1' }, 'No tenants'), h('p', {}, 'Your account is in no tenant\'s group yet: ask the operator of this deployment to add you to tenant-<id>.'));
    return;
  }
  window.addEventListener('hashchange', () => { void render(a, me, s, true); });
  await render(a, me, s, false);
}

boot().catch((err: Error) => status(`The console could not start: ${err.message}`, true));
