/**
 * The lifecycle: the model (presets, validation, replacement), the pure rule
 * engine, the journey writer (the only writer of customers' lifecycle
 * columns and of stage transitions), manual moves, the inactivity sweep, the
 * stage overview, the transition log and its live stream.
 */
export { JourneyWriter } from './journey-writer';
export type { JourneyEvent } from './journey';
/** The rule engine's matching, for the property test that checks segment rules read JSON values the same way. */
export { matches, newCustomerState } from './rule-engine';
export { LifecycleModelService, MODEL_CHANNEL } from './lifecycle-model.service';
export { LifecycleService } from './lifecycle.service';
export { CustomerTransitionsResolver, LifecycleResolver, StageTransitionConnectionResolver, TRANSITION_STREAM } from './lifecycle.resolver';
export { moveTransitions, moveTransitionsBack, TRANSITION_LOG, TRANSITION_TIMELINE, TRANSITIONS_TABLE } from './transition.sql';
export type { TransitionCount } from './transition.sql';
export type { StageTally } from './lifecycle.service';
export { LifecycleError } from './lifecycle.errors';
export type { LifecycleErrorCode } from './lifecycle.errors';
