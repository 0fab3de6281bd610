import { InMemoryRunHistory } from '../../src/history/memory.ts';
import { runHistoryContract } from './contract.ts';

runHistoryContract('InMemoryRunHistory', {
  open: async (clock) => new InMemoryRunHistory({ clock }),
  settle: async () => {},
});
