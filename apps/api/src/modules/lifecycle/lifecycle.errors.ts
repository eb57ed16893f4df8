import type { LifecycleModel } from '@clm/schema';
import { ClmError } from '../../core/errors';

export const LifecycleError = {
  /** A lifecycle model that fails validation, or would strand customers in a stage it lacks. */
  INVALID_LIFECYCLE_MODEL: 'INVALID_LIFECYCLE_MODEL',
  /** A stage key the active model does not have. */
  UNKNOWN_STAGE: 'UNKNOWN_STAGE',
} as const;
export type LifecycleErrorCode = (typeof LifecycleError)[keyof typeof LifecycleError];

export function unknownStage(model: LifecycleModel, stage: string, field = 'to'): ClmError<LifecycleErrorCode> {
  return new ClmError(LifecycleError.UNKNOWN_STAGE, `${field}: "${stage}" is not a stage of the lifecycle model "${model.name}"`, {
    field,
  });
}

export function invalidLifecycleModel(
  message: string,
  issues: ReadonlyArray<{ path: string; message: string }>,
): ClmError<LifecycleErrorCode> {
  return new ClmError(LifecycleError.INVALID_LIFECYCLE_MODEL, message, { issues });
}
