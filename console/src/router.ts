import { Store, useStore } from './store.js';

/** Client-side routes; the server answers every one of these paths with index.html. */
export const location = new Store<{ path: string; query: URLSearchParams }>(current());

function current() {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

export function navigate(to: string, replace = false): void {
  if (to === window.location.pathname + window.location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  location.set(current());
  window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => location.set(current()));

/** Links inside the console navigate without reloading; modified clicks keep the browser's behaviour. */
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const href = a.getAttribute('href');
  if (!href || !href.startsWith('/') || href.startsWith('//') || /^\/(api|docs|ws)\b/.test(href)) return;
  e.preventDefault();
  navigate(href);
});

/** The current location; catches a change made between the first render and the subscription. */
export function useLocation() {
  return useStore(location);
}

/** `/tickets/:id` → {id}; null when the path does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const ps = pattern.split('/');
  const xs = path.replace(/\/+$/, '').split('/');
  if (ps.length !== xs.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    if (p.startsWith(':')) out[p.slice(1)] = decodeURIComponent(xs[i]!);
    else if (p !== xs[i]) return null;
  }
  return out;
}
