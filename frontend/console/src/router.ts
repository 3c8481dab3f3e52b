// The console's client routes, under the base path the server gives (config.base, ending in
// "/"): the board at the base, /jobs/<name>, /runs, /graph and /connections. The server answers
// each of these paths with the console page, so a reload or a shared link lands on it.
export type Route =
  | { page: 'board' }
  | { page: 'job'; name: string }
  | { page: 'runs' }
  | { page: 'graph' }
  | { page: 'connections' };

let base = '/';

export function setBase(value: string): void {
  base = value.endsWith('/') ? value : `${value}/`;
}

export function parseRoute(pathname: string): Route {
  const path = pathname.startsWith(base) ? pathname.slice(base.length) : pathname.replace(/^\//, '');
  const job = /^jobs\/(.+)$/.exec(path);
  if (job?.[1]) return { page: 'job', name: decodeURIComponent(job[1]) };
  if (path === 'runs' || path === 'graph' || path === 'connections') return { page: path };
  return { page: 'board' };
}

export function href(route: Route): string {
  if (route.page === 'board') return base;
  if (route.page === 'job') return `${base}jobs/${encodeURIComponent(route.name)}`;
  return `${base}${route.page}`;
}

/** A same-page link's click: route in the page, unless the reader asked for a new tab/window. */
export function follow(event: { preventDefault(): void; button?: number; metaKey?: boolean; ctrlKey?: boolean; shiftKey?: boolean; altKey?: boolean }, go: () => void): void {
  if (event.button || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  go();
}
