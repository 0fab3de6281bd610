import { useState } from 'preact/hooks';
import { tokenRequest } from '../api/client.ts';
import { Dialog } from './Dialog.tsx';

/** Asks for serve's API token after a 401; kept in sessionStorage for this tab only. */
export function TokenDialog() {
  const request = tokenRequest.value;
  const [token, setToken] = useState('');
  if (!request) return null;
  return (
    <Dialog title="API token" onClose={() => request.resolve(null)}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          request.resolve(token.trim() || null);
          setToken('');
        }}
      >
        {request.refused && (
          <p class="error-line" role="alert" data-testid="token-refused">
            serve refused that token (401): check it against FLOWTEL_API_TOKEN and try again.
          </p>
        )}
        <p>
          serve asks for its API token (<code>FLOWTEL_API_TOKEN</code>) for changes. It is kept for this tab
          only (sessionStorage).
        </p>
        <label>
          Token{' '}
          <input
            name="token"
            type="password"
            autoComplete="off"
            autoFocus
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        </label>
        <div class="actions">
          <button type="submit">Send</button>
          <button type="button" onClick={() => request.resolve(null)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
