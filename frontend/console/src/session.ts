// The caller's Sync credentials, kept in sessionStorage: they last as long as the tab and are
// never written to localStorage, a cookie or the URL.
export type Credentials =
  | { kind: 'token'; token: string }
  | { kind: 'basic'; user: string; password: string }
  | { kind: 'none' };

const KEY = 'syncgql-console-credentials';

export function loadCredentials(): Credentials | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Credentials;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function saveCredentials(credentials: Credentials): void {
  sessionStorage.setItem(KEY, JSON.stringify(credentials));
}

export function clearCredentials(): void {
  sessionStorage.removeItem(KEY);
}

/** The request headers that carry the credentials (the same names go in connection_init). */
export function credentialHeaders(credentials: Credentials): Record<string, string> {
  if (credentials.kind === 'token') return { 'x-cdata-authtoken': credentials.token };
  if (credentials.kind === 'basic') {
    const pair = new TextEncoder().encode(`${credentials.user}:${credentials.password}`);
    return { authorization: `Basic ${btoa(String.fromCharCode(...pair))}` };
  }
  return {};
}
