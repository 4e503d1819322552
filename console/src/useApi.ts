import { useCallback, useEffect, useState } from 'preact/hooks';
import { get, isMissing } from './api.js';

/** GET with loading/error state; `missing` when the endpoint is not part of this build. */
export function useApi<T>(path: string | null, deps: unknown[] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(!!path);
  const [missing, setMissing] = useState(false);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    setLoading(true);
    get<T>(path).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setMissing(false);
        setLoading(false);
      },
      (e) => {
        if (!live) return;
        setMissing(isMissing(e));
        setError(isMissing(e) ? null : e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [path, tick, ...deps]);
  const reload = useCallback(() => setTick((x) => x + 1), []);
  return { data, error, loading, missing, reload, setData };
}
