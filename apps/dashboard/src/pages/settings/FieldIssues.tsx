import { useEffect, useState } from 'react';
import { conditionValueText, parseConditionValue } from './model-draft';

/** Validation messages shown right under the field they are about. */
export function FieldIssues({ id, messages }: { id?: string; messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <span id={id} className="field__error" role="alert">
      {messages.join(' ')}
    </span>
  );
}

/**
 * A text box for a comma-separated list that keeps what is typed (a trailing
 * comma included) and reports the parsed list on every change.
 */
export function ListInput({
  value,
  label,
  placeholder,
  disabled,
  invalid,
  onChange,
}: {
  value: readonly string[] | null | undefined;
  label: string;
  placeholder?: string;
  disabled?: boolean;
  invalid?: boolean;
  onChange: (items: string[] | null) => void;
}) {
  const joined = value ? value.join(', ') : '';
  const [text, setText] = useState(joined);
  useEffect(() => {
    setText((current) => (normalise(current) === joined ? current : joined));
  }, [joined]);
  return (
    <input
      className="field__input"
      aria-label={label}
      aria-invalid={invalid || undefined}
      placeholder={placeholder}
      disabled={disabled}
      value={text}
      onChange={(event) => {
        setText(event.target.value);
        const items = event.target.value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '');
        onChange(items.length ? items : null);
      }}
    />
  );
}

function normalise(text: string): string {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .join(', ');
}

/**
 * A text box for a condition value (see parseConditionValue) that keeps what
 * is typed and reports the parsed value on every change; it shows a value set
 * from outside in the editor's notation.
 */
export function ConditionValueInput({
  value,
  label,
  disabled,
  invalid,
  onChange,
}: {
  value: unknown;
  label: string;
  disabled?: boolean;
  invalid?: boolean;
  onChange: (value: unknown) => void;
}) {
  const shown = conditionValueText(value);
  const [text, setText] = useState(shown);
  useEffect(() => {
    setText((current) => (JSON.stringify(parseConditionValue(current)) === JSON.stringify(parseConditionValue(shown)) ? current : shown));
  }, [shown]);
  return (
    <input
      className="field__input"
      aria-label={label}
      aria-invalid={invalid || undefined}
      placeholder={disabled ? 'no value' : 'e.g. 5, "gold" or ["a", "b"]'}
      disabled={disabled}
      value={text}
      onChange={(event) => {
        setText(event.target.value);
        onChange(parseConditionValue(event.target.value));
      }}
    />
  );
}
