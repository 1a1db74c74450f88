/* Test helpers of bad input at the API's edge: the 400 with field messages
 * every malformed input must get, over fast-check's generated cases. */
import fc from 'fast-check';
import request from 'supertest';
import { auth, type UserName } from './testBackend';

/** A 400 `InputError` that lists at least one field, each with a message. */
export function expectFieldErrors(res: request.Response) {
  expect(res.status).toBe(400);
  expect(res.body.error?.name).toBe('InputError');
  expect(Array.isArray(res.body.fields)).toBe(true);
  expect(res.body.fields.length).toBeGreaterThan(0);
  for (const f of res.body.fields) {
    expect(typeof f.field).toBe('string');
    expect(typeof f.message).toBe('string');
    expect(f.message.length).toBeGreaterThan(0);
  }
}

/**
 * POSTs each generated case's body as JSON, as `who`, `runs` times; every
 * answer must be a 400 with field messages ({@link expectFieldErrors}).
 */
export async function postEachMalformed<T>(
  server: any,
  options: {
    who: UserName;
    runs: number;
    cases: fc.Arbitrary<T>;
    toRequest: (c: T) => { path: string; body: unknown };
  },
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(options.cases, async c => {
      const { path, body } = options.toRequest(c);
      const res = await request(server)
        .post(path)
        .set('Authorization', auth.user(options.who))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      expectFieldErrors(res);
    }),
    { numRuns: options.runs },
  );
}
