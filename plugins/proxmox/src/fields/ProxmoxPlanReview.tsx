import { useCallback, useEffect, useRef, useState } from 'react';
import Button from '@material-ui/core/Button';
import FormControl from '@material-ui/core/FormControl';
import FormLabel from '@material-ui/core/FormLabel';
import LinearProgress from '@material-ui/core/LinearProgress';
import Link from '@material-ui/core/Link';
import Typography from '@material-ui/core/Typography';
import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';
import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { coreApis, useApi } from '@backstage/frontend-plugin-api';
import type {
  EditPlanOperationBody,
  ProxmoxOptions,
  ProxmoxPlan,
} from '@mycopod/plugin-proxmox-common';
import { ProxmoxApiError, errorMessages, proxmoxApiRef } from '../api';
import { Findings, OperationCard } from './ProxmoxPlanReviewParts';
import { proxmoxPlansApiRef } from './ProxmoxPlanReviewApi';
import { formValues } from './useProxmoxOptions';

/** The field's value: the plan and the immediate actions the user confirmed. */
export interface PlanReviewValue {
  planId: string;
  confirmActions: string[];
}

const planReviewSchema = makeFieldSchema({
  output: z =>
    z.object({
      planId: z.string(),
      confirmActions: z.array(z.string()),
    }),
  uiOptions: z =>
    z.object({
      /** The form field holding the description (default `description`). */
      descriptionField: z.string().optional(),
    }),
});

type State =
  | { kind: 'waiting' }
  | { kind: 'drafting' }
  | { kind: 'plan'; plan: ProxmoxPlan }
  | { kind: 'error'; status?: number; messages: string[] };

const FORM_TEMPLATE = '/create/templates/default/vm-from-template';

function DraftError(props: {
  state: Extract<State, { kind: 'error' }>;
  onRetry: () => void;
}) {
  if (props.state.status === 503) {
    return (
      <div data-testid="plan-review-unavailable">
        <Typography variant="body1" color="error">
          Plain-language drafting is not available on this MycoPod.
        </Typography>
        <Typography variant="body2">
          {props.state.messages.join(' ')}
        </Typography>
        <Typography variant="body2">
          Use the form instead:{' '}
          <Link href={FORM_TEMPLATE}>
            Virtual machine from a Proxmox template
          </Link>
          .
        </Typography>
      </div>
    );
  }
  return (
    <div data-testid="plan-review-error">
      <Typography variant="body2" color="error">
        Could not draft a plan: {props.state.messages.join('; ')}
      </Typography>
      <Button size="small" onClick={props.onRetry}>
        Draft again
      </Button>
    </div>
  );
}

function ProxmoxPlanReview(props: typeof planReviewSchema.TProps) {
  const { formData, onChange, schema, uiSchema, formContext } = props;
  const plans = useApi(proxmoxPlansApiRef);
  const proxmox = useApi(proxmoxApiRef);
  const identity = useApi(coreApis.identity);
  const field = uiSchema?.['ui:options']?.descriptionField ?? 'description';
  const description = String(formValues(formContext)[field] ?? '').trim();
  const [state, setState] = useState<State>({ kind: 'waiting' });
  const [busy, setBusy] = useState(false);
  const [editError, setEditError] = useState<{
    id: string;
    messages: string[];
  }>();
  const [options, setOptions] = useState<Record<string, ProxmoxOptions>>({});
  const [ownerGroups, setOwnerGroups] = useState<string[]>([]);
  const confirmed = formData?.confirmActions ?? [];
  const started = useRef<string | undefined>(undefined);
  const planIdRef = useRef<string | undefined>(formData?.planId);

  const show = useCallback(
    (plan: ProxmoxPlan, confirm: string[]) => {
      planIdRef.current = plan.id;
      setState({ kind: 'plan', plan });
      const actions = new Set(
        plan.operations.filter(o => o.mode === 'action').map(o => o.id),
      );
      onChange({
        planId: plan.id,
        confirmActions: confirm.filter(id => actions.has(id)),
      });
    },
    [onChange],
  );

  const draft = useCallback(
    async (text: string, previous?: string) => {
      setState({ kind: 'drafting' });
      if (previous) await plans.discardPlan(previous).catch(() => undefined);
      try {
        show(await plans.draftPlan(text), []);
      } catch (e) {
        setState({
          kind: 'error',
          status: e instanceof ProxmoxApiError ? e.status : undefined,
          messages: errorMessages(e),
        });
      }
    },
    [plans, show],
  );

  // Draft once per description; a plan of another text is replaced.
  useEffect(() => {
    if (!description || started.current === description) return;
    started.current = description;
    const existing = planIdRef.current;
    if (!existing) {
      draft(description);
      return;
    }
    plans.getPlan(existing).then(
      plan =>
        plan.state === 'draft' && plan.text === description
          ? show(plan, formData?.confirmActions ?? [])
          : draft(description, plan.state === 'draft' ? plan.id : undefined),
      () => draft(description),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [description, draft, plans, show]);

  // the choices of each cluster the plan creates VMs in, for the editors
  const clusters =
    state.kind === 'plan'
      ? [
          ...new Set(
            state.plan.operations.flatMap(o =>
              o.kind === 'create' && o.request ? [o.request.spec.cluster] : [],
            ),
          ),
        ].join(',')
      : '';
  useEffect(() => {
    for (const cluster of clusters.split(',').filter(Boolean)) {
      proxmox.getOptions(cluster).then(
        o => setOptions(prev => ({ ...prev, [cluster]: o })),
        () => undefined,
      );
    }
  }, [clusters, proxmox]);
  useEffect(() => {
    identity.getBackstageIdentity().then(
      id =>
        setOwnerGroups(
          id.ownershipEntityRefs.filter(r => r.startsWith('group:')),
        ),
      () => undefined,
    );
  }, [identity]);

  const change = async (fn: () => Promise<ProxmoxPlan>, opId?: string) => {
    setBusy(true);
    setEditError(undefined);
    try {
      show(await fn(), confirmed);
      return true;
    } catch (e) {
      setEditError({ id: opId ?? '', messages: errorMessages(e) });
      return false;
    } finally {
      setBusy(false);
    }
  };

  let body;
  if (!description) {
    body = (
      <Typography variant="body2">
        Describe what you need in the previous step first.
      </Typography>
    );
  } else if (state.kind === 'drafting' || state.kind === 'waiting') {
    body = (
      <div data-testid="plan-review-drafting">
        <Typography variant="body2">
          Drafting a plan from your description…
        </Typography>
        <LinearProgress />
      </div>
    );
  } else if (state.kind === 'error') {
    body = <DraftError state={state} onRetry={() => draft(description)} />;
  } else {
    const { plan } = state;
    body = (
      <div
        data-testid="plan-review"
        data-plan-id={plan.id}
        data-submittable={plan.submittable ? 'yes' : 'no'}
      >
        {plan.rationale ? (
          <Typography variant="body2" paragraph>
            {plan.rationale}
          </Typography>
        ) : null}
        {plan.assumptions.length ? (
          <>
            <Typography variant="subtitle2">Assumed</Typography>
            <ul aria-label="Assumptions" style={{ marginTop: 0 }}>
              {plan.assumptions.map((a, i) => (
                <li key={i}>{a}</li>
              ))}
            </ul>
          </>
        ) : null}
        <Findings findings={plan.findings} />
        {plan.operations.map(op => (
          <OperationCard
            key={op.id}
            op={op}
            options={
              op.request?.kind === 'create'
                ? options[op.request.spec.cluster]
                : undefined
            }
            ownerGroups={ownerGroups}
            confirmed={confirmed.includes(op.id)}
            disabled={busy}
            onConfirm={yes =>
              onChange({
                planId: plan.id,
                confirmActions: yes
                  ? [...confirmed, op.id]
                  : confirmed.filter(id => id !== op.id),
              })
            }
            onEdit={(edit: EditPlanOperationBody) =>
              change(() => plans.editOperation(plan.id, op.id, edit), op.id)
            }
            onRemove={() =>
              change(() => plans.removeOperation(plan.id, op.id), op.id)
            }
            editError={
              editError?.id === op.id ? (
                <Typography variant="body2" color="error" role="alert">
                  Not saved: {editError.messages.join('; ')}
                </Typography>
              ) : null
            }
          />
        ))}
        <Typography variant="body2" style={{ marginTop: 12 }}>
          {plan.submittable
            ? 'Nothing runs until you press Create: each request then waits for an approver; actions run only if you ticked them.'
            : 'Fix or remove the operations marked with errors before you continue.'}
        </Typography>
        <Button
          size="small"
          onClick={() => draft(description, plan.id)}
          disabled={busy}
        >
          Draft again
        </Button>
      </div>
    );
  }
  return (
    <FormControl component="fieldset" fullWidth margin="normal">
      <FormLabel component="legend">{schema?.title || 'Plan'}</FormLabel>
      <div aria-live="polite">{body}</div>
    </FormControl>
  );
}

export const planReviewField = createFormField({
  name: 'ProxmoxPlanReview',
  component: ProxmoxPlanReview,
  schema: planReviewSchema,
  /** The plan must exist and hold no error finding (checked again now). */
  validation: async (value, validation, { apiHolder }) => {
    if (!value?.planId) {
      validation.addError('Wait until the plan is drafted');
      return;
    }
    const api = apiHolder.get(proxmoxPlansApiRef);
    if (!api) return;
    try {
      const plan = await api.getPlan(value.planId);
      if (!plan.submittable) {
        validation.addError(
          plan.state === 'draft'
            ? 'The plan has errors: fix or remove the operations marked with errors'
            : `The plan is ${plan.state}`,
        );
      }
    } catch (e) {
      validation.addError(
        `Could not read the plan: ${errorMessages(e).join('; ')}`,
      );
    }
  },
});
