/**
 * A component whose module is fetched the first time it is drawn, so the libraries only one panel
 * needs (Leaflet for the board's map, dagre for the IVR flow graph) stay out of the bundle every
 * page loads. esbuild splits each `import()` into a chunk of its own (scripts/build-console.mjs).
 */
import { h, type ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading } from './components/ui.js';

export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  return function Lazy(props: P) {
    const [component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    const [error, setError] = useState<unknown>(null);
    useEffect(() => {
      if (component) return;
      let live = true;
      pending ??= load().then((c) => (loaded = c));
      pending.then(
        (c) => live && setComponent(() => c),
        (e: unknown) => {
          // A failed fetch (a new version deployed, the network gone) is tried again next time.
          pending = null;
          if (live) setError(e);
        },
      );
      return () => {
        live = false;
      };
    }, []);
    if (error) return <ErrorBox error={error} />;
    return component ? h(component, props) : <Loading />;
  };
}
