/** `data prepare`: builds a dataset from a data directory for one source/task pair. */
import { UserError } from '../cli/errors.ts';
import type { Dataset, DatasetSource, DatasetTask } from './dataset.ts';
import { buildMitdbAami5 } from './mitdb.ts';
import { sourceDir } from './paths.ts';
import { buildPlawiakRhythm17 } from './plawiak.ts';

/** The task each real source provides. */
export const TASK_OF_SOURCE: Record<Exclude<DatasetSource, 'synthetic'>, DatasetTask> = {
  mitdb: 'aami5',
  plawiak17: 'rhythm17',
};

export function prepareDataset(source: string, task: string, dataDir: string): Dataset {
  if (source !== 'mitdb' && source !== 'plawiak17') throw new UserError(`unknown source '${source}' (use mitdb or plawiak17)`);
  const expected = TASK_OF_SOURCE[source];
  if (task !== expected) throw new UserError(`source ${source} provides task ${expected}, not '${task}' (use --task ${expected})`);
  if (source === 'mitdb') return buildMitdbAami5(sourceDir(dataDir, 'mitdb')!);
  return buildPlawiakRhythm17(sourceDir(dataDir, 'plawiak17')!, sourceDir(dataDir, 'mitdb', false));
}
