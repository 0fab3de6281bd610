import { useState } from 'preact/hooks';
import { send } from '../api/client.ts';
import type { RunDetail, RunSummary } from '../api/types.ts';
import { Dialog } from '../components/Dialog.tsx';

const REDACTED = '[REDACTED]';

/** Run the flow again with this run's parameters (editable JSON); redacted values must be typed again. */
export function RetryDialog(props: {
  run: RunDetail;
  onClose: () => void;
  onStarted: (run: RunSummary) => void;
}) {
  const [text, setText] = useState(() => JSON.stringify(props.run.params, null, 2));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hasRedacted = JSON.stringify(props.run.params).includes(REDACTED);

  const submit = () => {
    let params: unknown;
    try {
      params = JSON.parse(text);
    } catch (e) {
      setError(`Parameters are not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      setError('Parameters must be a JSON object.');
      return;
    }
    if (text.includes(REDACTED)) {
      setError(`Replace every "${REDACTED}" with the real value first.`);
      return;
    }
    setBusy(true);
    send<RunSummary>('POST', `/api/v1/flows/${encodeURIComponent(props.run.flow)}/runs`, { params }).then(
      (run) => {
        setBusy(false);
        if (run) props.onStarted(run);
      },
      (e: unknown) => {
        setBusy(false);
        setError(e instanceof Error ? e.message : String(e));
      },
    );
  };

  return (
    <Dialog title={`Retry ${props.run.flow}`} onClose={props.onClose} wide>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <p>Starts a new run of {props.run.flow} now with these parameters.</p>
        {hasRedacted && (
          <p class="warn-line" data-testid="redacted-note">
            Values shown as "{REDACTED}" were hidden when the run was recorded: re-enter them before you start
            the run.
          </p>
        )}
        <label class="block">
          Parameters (JSON)
          <textarea
            name="params"
            rows={12}
            spellcheck={false}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error-line" role="alert">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="submit" disabled={busy}>
            Start run
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
