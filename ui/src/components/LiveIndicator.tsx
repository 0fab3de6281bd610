import { connectionLost, liveStatus } from '../live/events.ts';

const ICON = { Live: '●', Paused: '❚❚', Offline: '○' } as const;

export function LiveIndicator() {
  const status = liveStatus.value;
  return (
    <span class="live" data-status={status} title="Event stream from serve">
      <span aria-hidden="true">{ICON[status]} </span>
      <span data-testid="live">{status}</span>
    </span>
  );
}

export function ConnectionLost() {
  if (!connectionLost.value) return null;
  return (
    <div role="alert" data-testid="connection-lost" class="banner">
      Connection to serve lost: pages do not update until it is back. Retrying…
    </div>
  );
}
