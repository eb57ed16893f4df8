import type { ReactNode } from 'react';

/** Validation messages shown right under the field they are about. */
export function FieldIssues({ id, messages }: { id?: string; messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <span id={id} className="field__error" role="alert">
      {messages.join(' ')}
    </span>
  );
}

type FieldProps = {
  /** The visible label; it names the control for assistive technology too. */
  label: string;
  /** What is wrong with the value, shown under the control. */
  issues?: readonly string[];
  className?: string;
  /** The one control (input, select) the label is for. */
  children: ReactNode;
};

/** A form control with its visible label above it and its problems below it. */
export function Field({ label, issues = [], className = 'field', children }: FieldProps) {
  return (
    <label className={className}>
      <span className="field__label">{label}</span>
      {children}
      <FieldIssues messages={issues} />
    </label>
  );
}
