import Checkbox from '@material-ui/core/Checkbox';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormGroup from '@material-ui/core/FormGroup';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { statusText, str, titleOf } from './pickerHelpers';
import { formValues, useProxmoxOptions } from './useProxmoxOptions';

const groupsSchema = makeFieldSchema({ output: z => z.array(z.string()) });

function SecurityGroupsPicker(props: typeof groupsSchema.TProps) {
  const { formData, onChange, schema, rawErrors, required } = props;
  const state = useProxmoxOptions(str(formValues(props.formContext).cluster));
  const groups = state.options?.securityGroups ?? [];
  const chosen = new Set(formData ?? []);
  const title = titleOf(schema, 'Security groups');
  const toggle = (g: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(g);
    else next.delete(g);
    onChange(groups.filter(x => next.has(x)));
  };
  return (
    <FormControl
      component="fieldset"
      fullWidth
      margin="normal"
      required={required}
      error={!!rawErrors?.length}
    >
      <FormLabel component="legend">{title}</FormLabel>
      <FormGroup row aria-label={title}>
        {groups.map(g => (
          <FormControlLabel
            key={g}
            label={g}
            control={
              <Checkbox
                checked={chosen.has(g)}
                onChange={e => toggle(g, e.target.checked)}
                name={g}
              />
            }
          />
        ))}
      </FormGroup>
      <FormHelperText component="div">
        {/* rawErrors: the scaffolder's field template lists them already. */}
        {statusText(
          state,
          groups.length
            ? 'Proxmox firewall security groups policy allows; at most 10.'
            : 'No security group is allowed for your group.',
        )}
      </FormHelperText>
    </FormControl>
  );
}

export const securityGroupsPickerField = createFormField({
  name: 'ProxmoxSecurityGroupsPicker',
  component: SecurityGroupsPicker,
  schema: groupsSchema,
  validation: (value, validation) => {
    if ((value?.length ?? 0) > 10) {
      validation.addError('At most 10 security groups');
    }
  },
});
