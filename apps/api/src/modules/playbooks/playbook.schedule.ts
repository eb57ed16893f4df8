import { IntervalSchedule } from '../../core/interval-schedule';
import type { PlaybookRunner, RunSummary } from './playbook.runner';

/**
 * Runs the playbooks' stored schedule every `intervalSeconds`, at start, and
 * soon after a `poke` (the projection found hits due at once). A run still
 * going is not overlapped; a poke during one runs once more after it.
 * Everything it acts on is in the database, so a restart loses nothing and
 * several instances can run it at once (see PlaybookRunner).
 */
export class PlaybookSchedule extends IntervalSchedule {
  constructor(
    runner: PlaybookRunner,
    intervalSeconds: number,
    onError: (error: unknown) => void,
    onRun: (summary: RunSummary) => void = () => undefined,
  ) {
    super(() => runner.run().then(onRun), intervalSeconds, onError, { runAtStart: true });
  }
}
