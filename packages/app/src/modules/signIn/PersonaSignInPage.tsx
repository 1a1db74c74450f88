import { useState } from 'react';
import type { ComponentType } from 'react';
import type { IdentityApi } from '@backstage/core-plugin-api';
import type { SignInPageProps } from '@backstage/plugin-app-react';
import { ProxiedSignInPage } from '@backstage/core-components';
import {
  Alert,
  Button,
  Card,
  CardBody,
  CardHeader,
  Container,
  Flex,
} from '@backstage/ui';

/** Auth provider id and header, see packages/backend/src/modules/personaAuth.ts */
const PROVIDER_ID = 'persona';
const PERSONA_HEADER = 'x-mycopod-persona';
export const PERSONA_STORAGE_KEY = 'mycopod.persona';

export const PERSONAS = [
  {
    name: 'dev',
    title: 'Developer',
    description: 'user:default/dev, member of team-a. Requests VMs.',
  },
  {
    name: 'admin',
    title: 'Admin',
    description: 'user:default/admin, member of platform-admins. Approves VMs.',
  },
] as const;

function rememberedPersona(): string | undefined {
  const value = window.localStorage.getItem(PERSONA_STORAGE_KEY) ?? undefined;
  return PERSONAS.some(p => p.name === value) ? value : undefined;
}

/** Forgets the chosen persona on sign-out, so the chooser is shown again. */
function forgetOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    signOut: async () => {
      window.localStorage.removeItem(PERSONA_STORAGE_KEY);
      await identity.signOut();
    },
  };
}

/** The backend's own message (e.g. "User not found") rather than "Request failed with 404". */
function describeError(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  const message = cause instanceof Error ? cause.message : error.message;
  return /user not found/i.test(message)
    ? `${message}. The catalog may still be loading the demo users: try again in a few seconds.`
    : message;
}

function PersonaChooser(props: {
  onChoose: (name: string) => void;
  error?: Error;
}) {
  return (
    <Container>
      <Flex
        direction="column"
        gap="4"
        style={{ maxWidth: 640, margin: '64px auto' }}
      >
        <h1>MycoPod demo sign-in</h1>
        <p>
          Development only: pick a persona. The Backstage auth backend issues a
          real token for that catalog user.
        </p>
        {props.error && (
          <Alert
            role="alert"
            status="danger"
            icon
            title="Sign-in failed"
            description={describeError(props.error)}
          />
        )}
        {PERSONAS.map(persona => (
          <Card key={persona.name}>
            <CardHeader>
              <strong>{persona.title}</strong>
            </CardHeader>
            <CardBody>
              <Flex justify="between" align="center" gap="4">
                <span>{persona.description}</span>
                <Button
                  variant="primary"
                  aria-label={`Sign in as ${persona.title}`}
                  onPress={() => props.onChoose(persona.name)}
                >
                  Sign in
                </Button>
              </Flex>
            </CardBody>
          </Card>
        ))}
      </Flex>
    </Container>
  );
}

export function PersonaSignInPage(props: SignInPageProps) {
  const [persona, setPersona] = useState(rememberedPersona);
  const [error, setError] = useState<Error>();

  const choose = (name: string) => {
    window.localStorage.setItem(PERSONA_STORAGE_KEY, name);
    setError(undefined);
    setPersona(name);
  };

  if (!persona) {
    return <PersonaChooser onChoose={choose} error={error} />;
  }

  const ErrorComponent: ComponentType<{ error?: Error }> = ({ error: e }) => (
    <PersonaChooser onChoose={choose} error={e} />
  );

  return (
    <ProxiedSignInPage
      key={persona}
      provider={PROVIDER_ID}
      headers={{ [PERSONA_HEADER]: persona }}
      onSignInSuccess={identity =>
        props.onSignInSuccess(forgetOnSignOut(identity))
      }
      ErrorComponent={ErrorComponent}
    />
  );
}
