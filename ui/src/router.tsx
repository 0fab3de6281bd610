import { signal } from '@preact/signals';
import type { AnchorHTMLAttributes, ComponentChildren } from 'preact';

/** A tiny history router: the location as a signal, links that push, back/forward through popstate. */
export const location = signal({ path: window.location.pathname, search: window.location.search });

function sync(): void {
  location.value = { path: window.location.pathname, search: window.location.search };
}
window.addEventListener('popstate', sync);

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.href);
  if (url.pathname + url.search === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  sync();
  if (!options.replace) window.scrollTo(0, 0);
}

export function Link(
  props: { href: string; children: ComponentChildren } & AnchorHTMLAttributes<HTMLAnchorElement>,
) {
  const { href, children, ...rest } = props;
  return (
    <a
      {...rest}
      href={href}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
          return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

export type Route =
  | { page: 'now' }
  | { page: 'runs' }
  | { page: 'run'; id: string }
  | { page: 'flow'; name: string }
  | { page: 'alerts' }
  | { page: 'missing' };

export function match(path: string): Route {
  if (path === '/' || path === '') return { page: 'now' };
  if (path === '/runs' || path === '/runs/') return { page: 'runs' };
  if (path === '/alerts' || path === '/alerts/') return { page: 'alerts' };
  const run = /^\/runs\/([^/]+)\/?$/.exec(path);
  if (run) return { page: 'run', id: decodeURIComponent(run[1]!) };
  const flow = /^\/flows\/([^/]+)\/?$/.exec(path);
  if (flow) return { page: 'flow', name: decodeURIComponent(flow[1]!) };
  return { page: 'missing' };
}

export function runHref(id: string): string {
  return `/runs/${encodeURIComponent(id)}`;
}
export function flowHref(name: string): string {
  return `/flows/${encodeURIComponent(name)}`;
}
