import { useEffect, useState } from 'preact/hooks';

export interface Async<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

/** Loads `load()` whenever `deps` change (or `reload()` is called); a newer load wins over an older one. */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
): Async<T> & { reload: () => void } {
  const [state, setState] = useState<Async<T>>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: null, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) {
          setState((s) => ({
            data: s.data,
            error: error instanceof Error ? error.message : String(error),
            loading: false,
          }));
        }
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function ErrorLine({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p class="error-line" role="status">
      {error}
    </p>
  );
}
