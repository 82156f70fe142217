/**
 * The web console's files on the collector's HTTP API (`GET /console/…`, no authorization: the
 * files hold no data; every read of data goes through the investigation API with the analyst's
 * token). The files are compiled into the bundle at synth; the sign-in settings come from the
 * environment (the user pool's domain and client are only known at deploy time).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { consoleResponse, type ConsoleAssets, type ConsoleSettings } from '../core/console.ts';

const assets = JSON.parse(process.env.AUTHTRAIL_CONSOLE_ASSETS ?? '{}') as ConsoleAssets;
const settings = (): ConsoleSettings => {
  const s = process.env.AUTHTRAIL_CONSOLE_SETTINGS;
  if (!s) throw new Error('environment variable AUTHTRAIL_CONSOLE_SETTINGS is not set');
  return JSON.parse(s) as ConsoleSettings;
};

export function serve(event: APIGatewayProxyEventV2, a: ConsoleAssets = assets, s: ConsoleSettings = settings()): APIGatewayProxyStructuredResultV2 {
  return consoleResponse({ method: event.requestContext.http.method, path: event.rawPath, ifNoneMatch: event.headers?.['if-none-match'] }, a, s);
}

export const handler = async (event: APIGatewayProxyEventV2) => serve(event);
