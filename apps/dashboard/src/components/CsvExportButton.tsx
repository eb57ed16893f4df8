import { useState } from 'react';
import { useSession } from '../lib/session';

/**
 * Downloads one of the API's CSV exports (`/api/customers.csv`,
 * `/api/metrics.csv`): the request carries the session's key, which a plain
 * link could not, and the answer is saved under `filename`.
 */
export async function downloadExport(path: string, filename: string, authorization: string): Promise<void> {
  const response = await fetch(path, { headers: { authorization } });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { errors?: Array<{ message: string }> } | null;
    throw new Error(body?.errors?.[0]?.message ?? `the export answered ${response.status}`);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}

/** A button exporting `path` as `filename`; a refusal is shown beside it. */
export function CsvExportButton({ path, filename, label = 'Export CSV' }: { path: string; filename: string; label?: string }) {
  const { authorization } = useSession();
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const run = () => {
    setState({ busy: true, error: null });
    downloadExport(path, filename, authorization).then(
      () => setState({ busy: false, error: null }),
      (error: unknown) => setState({ busy: false, error: error instanceof Error ? error.message : String(error) }),
    );
  };
  return (
    <span className="csv-export">
      <button type="button" className="button button--quiet" onClick={run} disabled={state.busy} data-export={path}>
        {state.busy ? 'Exporting…' : label}
      </button>
      {state.error && (
        <span className="field__error" role="alert">
          {state.error}
        </span>
      )}
    </span>
  );
}
