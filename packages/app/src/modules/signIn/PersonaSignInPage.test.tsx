import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { IdentityApi } from '@backstage/core-plugin-api';
import { PersonaSignInPage, PERSONA_STORAGE_KEY } from './PersonaSignInPage';

const b64url = (value: object) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token shaped like a Backstage user token (the page reads its expiry). */
const tokenFor = (userEntityRef: string) =>
  `${b64url({ alg: 'ES256' })}.${b64url({
    sub: userEntityRef,
    exp: Math.floor(Date.now() / 1000) + 3600,
  })}.signature`;

function sessionResponse(persona: string) {
  const userEntityRef = `user:default/${persona}`;
  return new Response(
    JSON.stringify({
      profile: { displayName: persona },
      providerInfo: {},
      backstageIdentity: {
        token: tokenFor(userEntityRef),
        expiresInSeconds: 3600,
        identity: {
          type: 'user',
          userEntityRef,
          ownershipEntityRefs: [userEntityRef],
        },
      },
    }),
    { status: 200, headers: { 'content-type': 'application/json' } },
  );
}

describe('PersonaSignInPage', () => {
  let fetchSpy: jest.SpyInstance;

  beforeEach(() => {
    window.localStorage.clear();
    fetchSpy = jest.spyOn(global, 'fetch');
  });

  afterEach(() => fetchSpy.mockRestore());

  it('signs in through the persona auth provider with the chosen persona', async () => {
    fetchSpy.mockImplementation(async () => sessionResponse('admin'));
    const onSignInSuccess = jest.fn();
    await renderInTestApp(
      <PersonaSignInPage onSignInSuccess={onSignInSuccess} />,
    );

    fireEvent.click(
      await screen.findByRole('button', { name: 'Sign in as Admin' }),
    );

    await waitFor(() => expect(onSignInSuccess).toHaveBeenCalledTimes(1));
    const [url, init] = fetchSpy.mock.calls[0];
    expect(String(url)).toMatch(/\/api\/auth\/persona\/refresh$/);
    expect(new Headers(init.headers).get('x-mycopod-persona')).toBe('admin');
    expect(window.localStorage.getItem(PERSONA_STORAGE_KEY)).toBe('admin');

    const identity: IdentityApi = onSignInSuccess.mock.calls[0][0];
    expect((await identity.getBackstageIdentity()).userEntityRef).toBe(
      'user:default/admin',
    );
    const { token } = await identity.getCredentials();
    const claims = JSON.parse(
      Buffer.from(token!.split('.')[1], 'base64url').toString(),
    );
    expect(claims.sub).toBe('user:default/admin');

    // Signing out forgets the persona so the chooser shows again.
    await identity.signOut();
    expect(window.localStorage.getItem(PERSONA_STORAGE_KEY)).toBeNull();
  });

  it('signs in again with the remembered persona without asking', async () => {
    window.localStorage.setItem(PERSONA_STORAGE_KEY, 'dev');
    fetchSpy.mockImplementation(async () => sessionResponse('dev'));
    const onSignInSuccess = jest.fn();
    await renderInTestApp(
      <PersonaSignInPage onSignInSuccess={onSignInSuccess} />,
    );
    await waitFor(() => expect(onSignInSuccess).toHaveBeenCalledTimes(1));
    expect(
      new Headers(fetchSpy.mock.calls[0][1].headers).get('x-mycopod-persona'),
    ).toBe('dev');
  });

  it('shows the backend error and lets the user choose again', async () => {
    fetchSpy.mockImplementation(
      async () =>
        new Response(
          JSON.stringify({
            error: { name: 'NotFoundError', message: 'User not found' },
          }),
          { status: 404, headers: { 'content-type': 'application/json' } },
        ),
    );
    const onSignInSuccess = jest.fn();
    await renderInTestApp(
      <PersonaSignInPage onSignInSuccess={onSignInSuccess} />,
    );

    fireEvent.click(
      await screen.findByRole('button', { name: 'Sign in as Developer' }),
    );

    expect(await screen.findByRole('alert')).toHaveTextContent(
      /User not found/,
    );
    expect(
      screen.getByRole('button', { name: 'Sign in as Admin' }),
    ).toBeInTheDocument();
    expect(onSignInSuccess).not.toHaveBeenCalled();
  });
});
