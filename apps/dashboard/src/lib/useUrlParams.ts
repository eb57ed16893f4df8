import { useSearchParams } from 'react-router';

/** Reads and writes one search parameter; an empty or default value is dropped from the URL. */
export function useUrlParams(): [URLSearchParams, (name: string, value: string, fallback?: string) => void] {
  const [params, setParams] = useSearchParams();
  const set = (name: string, value: string, fallback = '') =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (value === '' || value === fallback) next.delete(name);
      else next.set(name, value);
      return next;
    });
  return [params, set];
}
