/**
 * The web console's shapes shared by the server (core/console.ts) and the page (console/src),
 * which has DOM and no Node types: types only, no imports.
 */
export interface ConsoleAsset { readonly type: string; readonly body: string }
export type ConsoleAssets = Readonly<Record<string, ConsoleAsset>>;

/** How the page signs in: the local token, or the deployment's user pool (OAuth code + PKCE). */
export type ConsoleSettings =
  | { readonly auth: 'local' }
  | { readonly auth: 'cognito'; readonly domain: string; readonly clientId: string; readonly redirectUri: string; readonly logoutUri: string };
