/**
 * Who the console speaks for.
 *
 * - Local (`npm start`): the collector's local token, handed over in the URL fragment
 *   (`/console/#token=…`, which never reaches a server or a Referer) or pasted into a form; kept in
 *   this tab's sessionStorage only, sent as `x-authtrail-local-token`.
 * - AWS: the deployment's user pool, OAuth 2.0 authorization code with PKCE (a public client, no
 *   secret in the page); the access token, kept in sessionStorage, is sent as a bearer token and
 *   checked by API Gateway's JWT authorizer; its `cognito:groups` name the analyst's tenants.
 */
export type { ConsoleSettings as Settings } from '../../lambdas/core/console-types.ts';
import type { ConsoleSettings as Settings } from '../../lambdas/core/console-types.ts';

const TOKEN = 'authtrail.token';
const EXPIRES = 'authtrail.expires';
const PKCE = 'authtrail.pkce';

export class SignInNeeded extends Error {
  override name = 'SignInNeeded';
}

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (n: number) => b64url(crypto.getRandomValues(new Uint8Array(n)));

export function session(settings: Settings) {
  const store = window.sessionStorage;
  const token = () => {
    const t = store.getItem(TOKEN);
    const exp = Number(store.getItem(EXPIRES) ?? Infinity);
    return t && exp > Date.now() + 30_000 ? t : null;
  };

  return {
    settings,
    /** Takes a token the page was opened with (a fragment, or an authorization code); true once signed in. */
    async start(): Promise<boolean> {
      if (settings.auth === 'local') {
        const m = /^#token=([A-Za-z0-9_-]{8,256})$/.exec(location.hash);
        if (m) {
          store.setItem(TOKEN, m[1]!);
          history.replaceState(null, '', `${location.pathname}#/`);
        }
        return !!token();
      }
      const params = new URLSearchParams(location.search);
      const code = params.get('code');
      if (code) {
        const saved = JSON.parse(store.getItem(PKCE) ?? '{}') as { verifier?: string; state?: string; hash?: string };
        store.removeItem(PKCE);
        history.replaceState(null, '', `${location.pathname}${saved.hash ?? '#/'}`);
        if (!saved.verifier || params.get('state') !== saved.state) throw new Error('the sign-in answer does not belong to this tab: sign in again');
        const r = await fetch(`${settings.domain}/oauth2/token`, {
          method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', client_id: settings.clientId, code, redirect_uri: settings.redirectUri, code_verifier: saved.verifier }),
        });
        if (!r.ok) throw new Error(`sign-in failed (${r.status}): sign in again`);
        const t = await r.json() as { access_token: string; expires_in: number };
        store.setItem(TOKEN, t.access_token);
        store.setItem(EXPIRES, String(Date.now() + t.expires_in * 1000));
      }
      return !!token();
    },
    /** AWS: off to the user pool's sign-in page (back with a code). Local: nothing to do. */
    async signIn(): Promise<void> {
      if (settings.auth !== 'cognito') return;
      const verifier = random(48);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
      const state = random(24);
      store.setItem(PKCE, JSON.stringify({ verifier, state, hash: location.hash || '#/' }));
      const q = new URLSearchParams({
        response_type: 'code', client_id: settings.clientId, redirect_uri: settings.redirectUri, scope: 'openid email',
        state, code_challenge: b64url(digest), code_challenge_method: 'S256',
      });
      location.assign(`${settings.domain}/oauth2/authorize?${q}`);
    },
    /** Local: the token pasted into the sign-in form. */
    useToken(t: string) {
      store.setItem(TOKEN, t.trim());
      store.removeItem(EXPIRES);
    },
    signOut() {
      store.removeItem(TOKEN);
      store.removeItem(EXPIRES);
      if (settings.auth === 'cognito') location.assign(`${settings.domain}/logout?${new URLSearchParams({ client_id: settings.clientId, logout_uri: settings.logoutUri })}`);
      else location.reload();
    },
    headers(): Record<string, string> {
      const t = token();
      if (!t) throw new SignInNeeded('sign in');
      return settings.auth === 'local' ? { 'x-authtrail-local-token': t } : { authorization: `Bearer ${t}` };
    },
    forget() { store.removeItem(TOKEN); store.removeItem(EXPIRES); },
  };
}
export type Session = ReturnType<typeof session>;
