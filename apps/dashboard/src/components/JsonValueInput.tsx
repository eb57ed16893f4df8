import { useEffect, useState } from 'react';
import { jsonValueText, parseJsonText } from '../lib/json-text';

type JsonValueInputProps = {
  value: unknown;
  label: string;
  disabled?: boolean;
  invalid?: boolean;
  onChange: (value: unknown) => void;
};

/**
 * A text box for a JSON value (see parseJsonText) that keeps what is typed and
 * reports the parsed value on every change; a value set from outside shows in
 * the editor's notation.
 */
export function JsonValueInput({ value, label, disabled, invalid, onChange }: JsonValueInputProps) {
  const shown = jsonValueText(value);
  const [text, setText] = useState(shown);
  useEffect(() => {
    setText((current) => (JSON.stringify(parseJsonText(current)) === JSON.stringify(parseJsonText(shown)) ? current : shown));
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
        onChange(parseJsonText(event.target.value));
      }}
    />
  );
}
