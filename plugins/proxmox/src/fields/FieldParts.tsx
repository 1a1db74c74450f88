import type { ReactNode } from 'react';
import FormControl from '@material-ui/core/FormControl';
import FormHelperText from '@material-ui/core/FormHelperText';
import InputLabel from '@material-ui/core/InputLabel';
import NativeSelect from '@material-ui/core/NativeSelect';
import { errorMessages } from '../api';

/** The messages of an options error, in words. */
export function optionsErrorText(error: unknown): string {
  return `Could not load the live choices: ${errorMessages(error).join('; ')}`;
}

export interface SelectChoice {
  value: string;
  label: string;
  disabled?: boolean;
  group?: string;
}

/**
 * A native select with a real `<label for>`: its accessible name is the
 * field title, which keeps it easy to drive from a browser test.
 */
export function NativeSelectField(props: {
  id: string;
  label: string;
  value: string;
  choices: SelectChoice[];
  onChange: (value: string) => void;
  required?: boolean;
  disabled?: boolean;
  placeholder?: string;
  helperText?: ReactNode;
  /** Marks the field invalid; the messages are not repeated here. */
  errors?: string[];
}) {
  const hasError = !!props.errors?.length;
  const groups = [...new Set(props.choices.map(c => c.group ?? ''))];
  const option = (c: SelectChoice) => (
    <option key={c.value} value={c.value} disabled={c.disabled}>
      {c.label}
    </option>
  );
  return (
    <FormControl
      fullWidth
      margin="normal"
      required={props.required}
      disabled={props.disabled}
      error={hasError}
    >
      <InputLabel htmlFor={props.id} shrink>
        {props.label}
      </InputLabel>
      <NativeSelect
        value={props.value}
        onChange={e => props.onChange(e.target.value)}
        inputProps={{ id: props.id, 'aria-describedby': `${props.id}-help` }}
      >
        {props.placeholder !== undefined ? (
          <option value="">{props.placeholder}</option>
        ) : null}
        {groups.map(g =>
          g ? (
            <optgroup key={g} label={g}>
              {props.choices.filter(c => c.group === g).map(option)}
            </optgroup>
          ) : (
            props.choices.filter(c => !c.group).map(option)
          ),
        )}
      </NativeSelect>
      {/* errors only mark the field: the scaffolder's field template lists them. */}
      <FormHelperText id={`${props.id}-help`} component="div">
        {props.helperText}
      </FormHelperText>
    </FormControl>
  );
}
