import { Dialog } from './Dialog.tsx';

export const SHORTCUTS: readonly [string, string][] = [
  ['?', 'show this help'],
  ['g n / g r / g a', 'go to Now, Runs, Alerts'],
  ['j / k', 'next / previous run (Runs page)'],
  ['Enter', 'open the selected run'],
  ['arrows, Home, End', 'move through the task grid (Flow page)'],
  ['← →, Enter', 'fold or unfold a timeline row (Run page)'],
  ['/', 'focus the search or filter field'],
  ['Escape', 'close a dialog'],
];

export function HelpDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <dl class="shortcuts">
        {SHORTCUTS.map(([keys, what]) => (
          <div key={keys}>
            <dt>
              <kbd>{keys}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
