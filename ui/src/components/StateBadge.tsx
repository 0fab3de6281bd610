import type { StateName } from '../api/types.ts';
import { STATE_ICON } from '../states.ts';

/** A state as icon and name (never colour alone); the colour comes from `data-state` in the CSS. */
export function StateBadge({ name, title }: { name: StateName; title?: string }) {
  return (
    <span class="state" data-testid="state" data-state={name} {...(title ? { title } : {})}>
      <span class="state-icon" aria-hidden="true">
        {STATE_ICON[name]}
      </span>
      {name}
    </span>
  );
}
