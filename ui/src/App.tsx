import { useEffect, useState } from 'preact/hooks';
import { HelpDialog } from './components/HelpDialog.tsx';
import { ConnectionLost, LiveIndicator } from './components/LiveIndicator.tsx';
import { TokenDialog } from './components/TokenDialog.tsx';
import { AlertsPage } from './pages/AlertsPage.tsx';
import { FlowPage } from './pages/FlowPage.tsx';
import { NowPage } from './pages/NowPage.tsx';
import { RunPage } from './pages/RunPage.tsx';
import { RunsPage } from './pages/RunsPage.tsx';
import { Link, location, match, navigate } from './router.tsx';

function typing(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  );
}

export function App() {
  const route = match(location.value.path);
  const [help, setHelp] = useState(false);

  useEffect(() => {
    let pendingG = false;
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      if (document.querySelector('dialog[open]')) return;
      if (event.key === '?') {
        event.preventDefault();
        setHelp(true);
      } else if (event.key === '/') {
        const field = document.querySelector<HTMLInputElement>('input[name=q], input[name=logq]');
        if (field) {
          event.preventDefault();
          field.focus();
        }
      } else if (pendingG) {
        pendingG = false;
        const to = { n: '/', r: '/runs', a: '/alerts' }[event.key];
        if (to) navigate(to);
      } else if (event.key === 'g') {
        pendingG = true;
        return;
      }
      pendingG = false;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const here = route.page;
  return (
    <>
      <header class="top">
        <nav aria-label="Pages">
          <Link href="/" class="brand">
            flowtel
          </Link>
          <Link href="/" {...(here === 'now' ? { 'aria-current': 'page' } : {})}>
            Now
          </Link>
          <Link href="/runs" {...(here === 'runs' || here === 'run' ? { 'aria-current': 'page' } : {})}>
            Runs
          </Link>
          <Link href="/alerts" {...(here === 'alerts' ? { 'aria-current': 'page' } : {})}>
            Alerts
          </Link>
        </nav>
        <button
          type="button"
          class="plain help-button"
          aria-label="Keyboard shortcuts"
          onClick={() => setHelp(true)}
        >
          ?
        </button>
        <LiveIndicator />
      </header>
      <ConnectionLost />
      <main>
        {route.page === 'now' && <NowPage />}
        {route.page === 'runs' && <RunsPage />}
        {route.page === 'run' && <RunPage key={route.id} id={route.id} />}
        {route.page === 'flow' && <FlowPage key={route.name} name={route.name} />}
        {route.page === 'alerts' && <AlertsPage />}
        {route.page === 'missing' && (
          <>
            <h1>Not found</h1>
            <p>
              No page at this address. <Link href="/">Go to Now</Link>.
            </p>
          </>
        )}
      </main>
      {help && <HelpDialog onClose={() => setHelp(false)} />}
      <TokenDialog />
    </>
  );
}
