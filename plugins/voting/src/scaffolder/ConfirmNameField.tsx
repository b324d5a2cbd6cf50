import type {
  CustomFieldValidator,
  FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import TextField from '@material-ui/core/TextField';

type Options = { matches?: string };

/** The form field the confirmation must equal: `ui:options.matches`, else `name`. */
const target = (uiSchema: { 'ui:options'?: Options } | undefined) =>
  uiSchema?.['ui:options']?.matches ?? 'name';

/**
 * Accepts the confirmation only when it equals the other field, e.g. the teardown's `name`. The
 * scaffolder's JSON schema cannot compare two fields; this runs when the page is submitted, so a
 * mistyped name stops the form before the task is created.
 */
export const validateConfirmName: CustomFieldValidator<string, Options> = (
  value,
  validation,
  context,
) => {
  const field = target(context.uiSchema);
  const expected = context.formData?.[field];
  if (typeof expected !== 'string' || expected === '') {
    validation.addError(`fill in ${field} first`);
  } else if (value !== expected) {
    validation.addError(`type "${expected}" exactly, as ${field} says`);
  }
};

export function ConfirmName(
  props: FieldExtensionComponentProps<string, Options>,
) {
  const { formData, onChange, schema, rawErrors, required, idSchema } = props;
  return (
    <TextField
      id={idSchema?.$id}
      label={schema.title}
      helperText={schema.description}
      required={required}
      value={formData ?? ''}
      onChange={event => onChange(event.target.value)}
      error={(rawErrors?.length ?? 0) > 0}
      autoComplete="off"
      fullWidth
      margin="normal"
      inputProps={{ spellCheck: false }}
    />
  );
}

/**
 * `ui:field: VotingConfirmName`: a text field that must repeat another field of the form
 * (`ui:options.matches`, default `name`) exactly.
 *
 * @alpha
 */
export const confirmNameField = createFormField({
  name: 'VotingConfirmName',
  component: ConfirmName,
  validation: validateConfirmName,
});
