import { useEffect, useState } from 'react';
import { parseTextList, textListText } from '../lib/json-text';

type ListInputProps = {
  value: readonly string[] | null | undefined;
  label: string;
  placeholder?: string;
  disabled?: boolean;
  invalid?: boolean;
  /** The parsed list on every change; null for an empty box (the API's "any"). */
  onChange: (items: string[] | null) => void;
};

/**
 * A text box for a comma-separated list that keeps what is typed (a trailing
 * comma included) and reports the parsed list on every change.
 */
export function ListInput({ value, label, placeholder, disabled, invalid, onChange }: ListInputProps) {
  const shown = value ? textListText(value) : '';
  const [text, setText] = useState(shown);
  useEffect(() => {
    setText((current) => (textListText(parseTextList(current)) === shown ? current : shown));
  }, [shown]);
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
        const items = parseTextList(event.target.value);
        onChange(items.length ? items : null);
      }}
    />
  );
}
