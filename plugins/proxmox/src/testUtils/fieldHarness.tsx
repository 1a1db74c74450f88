import { useState } from 'react';
import type {
  FormField,
  FormFieldExtensionData,
} from '@backstage/plugin-scaffolder-react/alpha';
import { createFieldValidation } from '@backstage/plugin-scaffolder-react/alpha';

/** What createFormField keeps: the component, its validation and schema. */
export function internals(field: FormField): FormFieldExtensionData {
  const data = field as unknown as FormFieldExtensionData;
  if (typeof data.component !== 'function') {
    throw new Error('createFormField no longer keeps the component');
  }
  return data;
}

/** Renders a field as the scaffolder would, keeping its value in state. */
export function FieldHarness(props: {
  field: FormField;
  title: string;
  form?: Record<string, unknown>;
  initial?: unknown;
  onValue: jest.Mock;
  uiOptions?: Record<string, unknown>;
  rawErrors?: string[];
}) {
  const { component: Component } = internals(props.field);
  const [value, setValue] = useState<any>(props.initial);
  const onChange = (v: unknown) => {
    setValue(v);
    props.onValue(v);
  };
  const C = Component as any;
  return (
    <C
      formData={value}
      onChange={onChange}
      schema={{ title: props.title }}
      uiSchema={{ 'ui:options': props.uiOptions ?? {} }}
      idSchema={{ $id: `root_${props.title.replace(/\W/g, '')}` }}
      rawErrors={props.rawErrors ?? []}
      required={false}
      formContext={{ formData: { ...props.form } }}
      name={props.title}
      registry={{} as any}
      errorSchema={{}}
      onBlur={() => {}}
      onFocus={() => {}}
      disabled={false}
      readonly={false}
    />
  );
}

/** Runs a field's validation and returns its error messages. */
export async function validate(
  field: FormField,
  value: unknown,
  context: {
    apiHolder: { get: (ref: any) => unknown };
    formData: Record<string, unknown>;
  },
): Promise<string[]> {
  const { validation } = internals(field);
  const fv = createFieldValidation();
  await validation?.(value as any, fv, {
    apiHolder: context.apiHolder as any,
    formData: context.formData as any,
    schema: {},
  });
  return fv.__errors ?? [];
}
