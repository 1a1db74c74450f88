import { useEffect, useMemo, useRef, useState } from 'react';
import FormControl from '@material-ui/core/FormControl';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import Typography from '@material-ui/core/Typography';
import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import {
  vmSpecFromForm,
  type Finding,
  type VmFormValues,
} from '@mycopod/plugin-proxmox-common';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  ProxmoxApiError,
  errorMessages,
  proxmoxApiRef,
  type ProxmoxApi,
  type ValidateResult,
} from '../api';
import { formValues } from './useProxmoxOptions';

/** The field's value: the outcome of the last check. */
export type PolicyReviewValue =
  | 'within-policy'
  | 'warnings'
  | 'errors'
  | 'incomplete';

const reviewSchema = makeFieldSchema({
  output: z => z.string(),
  uiOptions: z =>
    z.object({
      /** Milliseconds to wait after the last change (default 400). */
      debounceMs: z.number().optional(),
    }),
});

type Outcome =
  | { kind: 'checking' }
  | { kind: 'result'; result: ValidateResult }
  | { kind: 'invalid'; messages: string[] }
  | { kind: 'failed'; messages: string[] };

function valueOf(outcome: Outcome): PolicyReviewValue | undefined {
  if (outcome.kind === 'invalid') return 'incomplete';
  if (outcome.kind !== 'result') return undefined;
  const { findings } = outcome.result;
  if (findings.some(f => f.level === 'error')) return 'errors';
  if (findings.length) return 'warnings';
  return 'within-policy';
}

async function check(
  api: ProxmoxApi,
  form: VmFormValues,
): Promise<Exclude<Outcome, { kind: 'checking' }>> {
  try {
    return { kind: 'result', result: await api.validate(vmSpecFromForm(form)) };
  } catch (e) {
    if (e instanceof ProxmoxApiError && e.status === 400) {
      if (e.findings.length) {
        return {
          kind: 'result',
          result: { findings: e.findings, allowed: false, autoApprove: false },
        };
      }
      return { kind: 'invalid', messages: e.messages };
    }
    return { kind: 'failed', messages: errorMessages(e) };
  }
}

function FindingItems(props: { findings: Finding[]; level: Finding['level'] }) {
  const items = props.findings.filter(f => f.level === props.level);
  if (!items.length) return null;
  const label = props.level === 'error' ? 'Policy errors' : 'Policy warnings';
  return (
    <>
      <Typography
        variant="subtitle2"
        color={props.level === 'error' ? 'error' : 'textPrimary'}
      >
        {items.length} {props.level === 'error' ? 'error' : 'warning'}
        {items.length === 1 ? '' : 's'}
      </Typography>
      <ul aria-label={label} style={{ marginTop: 0 }}>
        {items.map((f, i) => (
          <li key={i} data-level={f.level}>
            {f.message}
            {f.field ? ` (${f.field})` : ''}
          </li>
        ))}
      </ul>
    </>
  );
}

function PolicyReview(props: typeof reviewSchema.TProps) {
  const { onChange, schema, uiSchema, rawErrors, formData } = props;
  const api = useApi(proxmoxApiRef);
  const form = formValues(props.formContext) as VmFormValues;
  const specKey = useMemo(() => JSON.stringify(vmSpecFromForm(form)), [form]);
  const delay = uiSchema?.['ui:options']?.debounceMs ?? 400;
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'checking' });
  const gen = useRef(0);
  const formRef = useRef(form);
  formRef.current = form;

  useEffect(() => {
    const g = ++gen.current;
    setOutcome({ kind: 'checking' });
    const timer = setTimeout(async () => {
      const next = await check(api, formRef.current);
      if (g === gen.current) setOutcome(next);
    }, delay);
    return () => clearTimeout(timer);
  }, [api, specKey, delay]);

  const value = valueOf(outcome);
  useEffect(() => {
    if (value && value !== formData) onChange(value);
  }, [value, formData, onChange]);

  const title = schema?.title || 'Policy review';
  let body;
  if (outcome.kind === 'checking') {
    body = (
      <Typography variant="body2">
        Checking the request against policy…
      </Typography>
    );
  } else if (outcome.kind === 'invalid') {
    body = (
      <>
        <Typography variant="body2" color="error">
          The request is not complete yet:
        </Typography>
        <ul aria-label="Missing or invalid fields" style={{ marginTop: 0 }}>
          {outcome.messages.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      </>
    );
  } else if (outcome.kind === 'failed') {
    body = (
      <Typography variant="body2" color="error">
        Could not check the policy: {outcome.messages.join('; ')}. The backend
        checks again when the request is filed.
      </Typography>
    );
  } else if (outcome.result.findings.length === 0) {
    body = (
      <Typography variant="body1" style={{ color: '#176b2c', fontWeight: 600 }}>
        Within policy
        {outcome.result.autoApprove
          ? ' — approved automatically on submit'
          : ''}
      </Typography>
    );
  } else {
    body = (
      <>
        <FindingItems findings={outcome.result.findings} level="error" />
        <FindingItems findings={outcome.result.findings} level="warning" />
        {!outcome.result.findings.some(f => f.level === 'error') &&
        outcome.result.autoApprove ? (
          <Typography variant="body2">
            Approved automatically on submit.
          </Typography>
        ) : null}
      </>
    );
  }
  return (
    <FormControl
      component="fieldset"
      fullWidth
      margin="normal"
      error={!!rawErrors?.length}
    >
      <FormLabel component="legend">{title}</FormLabel>
      <div
        data-testid="policy-review"
        data-outcome={value ?? outcome.kind}
        aria-live="polite"
      >
        {body}
      </div>
      {outcome.kind === 'result' && outcome.result.leaseDays ? (
        <FormHelperText>Lease: {outcome.result.leaseDays} days.</FormHelperText>
      ) : null}
      {/* rawErrors: the scaffolder's field template lists them already. */}
    </FormControl>
  );
}

export const policyReviewField = createFormField({
  name: 'ProxmoxPolicyReview',
  component: PolicyReview,
  schema: reviewSchema,
  /**
   * Checks the whole form again (the value may be stale) and fails on error
   * findings, so an over-quota request cannot be submitted. Without the API
   * it trusts the value the component left.
   */
  validation: async (value, validation, { apiHolder, formData }) => {
    const api = apiHolder.get(proxmoxApiRef);
    if (api && formData) {
      const outcome = await check(api, formData as VmFormValues);
      if (outcome.kind === 'result') {
        for (const f of outcome.result.findings) {
          if (f.level === 'error') validation.addError(f.message);
        }
        return;
      }
      if (outcome.kind === 'invalid') {
        for (const m of outcome.messages) validation.addError(m);
        return;
      }
      // The backend is unreachable: it checks again on submit.
      return;
    }
    if (value === 'errors') {
      validation.addError('The request breaks policy: see the findings');
    } else if (value === 'incomplete') {
      validation.addError('The request is not complete');
    }
  },
});
