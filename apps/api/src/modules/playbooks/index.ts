/**
 * Playbooks: a trigger in a customer's lifecycle (a stage or segment entered,
 * a segment left, stuck in a stage, no touchpoint, a touchpoint), an optional
 * delay, a condition re-checked when due, a limit per customer, and the
 * firing appended to a log of its own (the `playbook.fired` webhook source).
 * Event triggers are a projection of the logs; delays and time triggers are a
 * stored schedule run once across instances. Each playbook is measured by
 * outcome against the customers who met it while it was off or limited.
 */
export { PlaybookService } from './playbook.service';
export type { PlaybookDependencies } from './playbook.service';
export { PlaybookRunner } from './playbook.runner';
export type { RunSummary } from './playbook.runner';
export { PlaybookSchedule } from './playbook.schedule';
export { PlaybookProjection, PLAYBOOKS_PROJECTION } from './playbook.projection';
export { CustomerPlaybooksResolver, PlaybookResolver } from './playbook.resolver';
export { PLAYBOOK_FIRING_LOG } from './playbook.sql';
export { PLAYBOOK_FIRED_SOURCE } from './playbook-webhook-source';
export { Playbook, PlaybookFiring, PlaybookOutcome } from './playbook.type';
export { PlaybookError } from './playbook.errors';
export type { PlaybookErrorCode } from './playbook.errors';
export { playbookPresets } from './playbook-presets';
export { validatePlaybook, PLAYBOOK_LIMITS, TRIGGER_KINDS } from './playbook-definition';
export type { PlaybookDefinition, PlaybookInput, PlaybookTrigger } from './playbook-definition';
